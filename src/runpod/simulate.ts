/**
 * A discrete-event simulator of the Maverick pod: replays a trace against a
 * Policy, exactly as the production controller drives it (observe on arrival and
 * start, decide after every event and at the policy's recheck time), and prices
 * the result. Pure and fast: a week of a few hundred requests under a fixed policy
 * takes well under a millisecond, which lets the adaptive policy replay its own
 * history against dozens of plans every night.
 *
 * Model: the pod is ready exactly `coldStart` after a start; billing runs from
 * start to stop, busy or idle; each of `slots` runs one request at a time, first
 * come first served; a request's wait is arrival → the moment a slot starts it.
 * The driver never stops a pod with requests running (a stop then is ignored).
 *
 * Horizon: from the first arrival minus one cold start (so that a policy that
 * knows the future could have the pod ready for the first request) to the last
 * arrival plus one cold start plus an hour (time for any sane policy to serve
 * the last requests). The pod is stopped at the end; a policy still serving
 * then is billed until its last request ends. Always-on is priced over the
 * horizon, the same for every policy on a trace.
 */
import type { PodState, Policy, PolicyDecision } from './policy.ts';
import type { TraceRequest } from './trace.ts';

export interface SimulationSettings {
  /** Price of the whole pod (all its GPUs), USD per hour. */
  pricePerHourUsd: number;
  coldStartSeconds: number;
  promptTokensPerSec: number;
  decodeTokensPerSec: number;
  /** Requests the model server runs at once. */
  slots: number;
  /** p95 wait target, s: only for `metTarget` and the late count. */
  waitTargetSeconds: number;
}

export interface WaitStats {
  p50: number;
  p95: number;
  max: number;
}

export interface SimulationResult {
  policy: string;
  /** Maverick requests replayed. */
  requests: number;
  horizon: { startMs: number; endMs: number };
  spendUsd: number;
  /** Busy seconds only (the union when slots overlap): no policy can spend less. */
  busyUsd: number;
  /** Knows the future, makes nobody wait: boots just ahead of need, bridges gaps shorter than a cold start. */
  clairvoyantUsd: number;
  /** The pod running over the whole horizon. */
  alwaysOnUsd: number;
  podStarts: number;
  billedHours: number;
  busyHours: number;
  bootHours: number;
  idleHours: number;
  /** Nearest-rank percentiles, s. */
  waitSeconds: WaitStats;
  /** Requests that waited longer than the target. */
  lateRequests: number;
  metTarget: boolean;
}

/** After the last arrival and a cold start, the horizon runs this much longer. */
export const HORIZON_TAIL_MS = 3_600_000;

/** A request reduced to what the pod sees. */
export interface Job {
  arrivalMs: number;
  serviceMs: number;
}

export interface PodRunOptions {
  coldStartMs: number;
  slots: number;
  startMs: number;
  /** The pod is stopped here, or when the last request ends if later. */
  endMs: number;
}

/** What a policy did with a list of jobs, in pod time. */
export interface PodRun {
  startMs: number;
  endMs: number;
  billedMs: number;
  busyMs: number;
  bootMs: number;
  starts: number;
  /** Per job, in the order given, ms. */
  waitsMs: number[];
}

/** Service time of a request at the given speeds, ms. */
export function serviceMs(r: Pick<TraceRequest, 'promptTokens' | 'completionTokens'>, s: SimulationSettings): number {
  return 1000 * (r.promptTokens / s.promptTokensPerSec + r.completionTokens / s.decodeTokensPerSec);
}

/** Replay the trace's Maverick requests against `policy` over the horizon (module comment). */
export function simulate(
  trace: readonly TraceRequest[],
  policy: Policy,
  settings: SimulationSettings,
): SimulationResult {
  const jobs = trace
    .filter((r) => r.route === 'maverick')
    .map((r) => ({ arrivalMs: r.atMs, serviceMs: serviceMs(r, settings) }))
    .sort((a, b) => a.arrivalMs - b.arrivalMs);
  const coldStartMs = settings.coldStartSeconds * 1000;
  const first = jobs[0]?.arrivalMs ?? 0;
  const last = jobs[jobs.length - 1]?.arrivalMs ?? 0;
  const horizon = { startMs: first - coldStartMs, endMs: last + coldStartMs + HORIZON_TAIL_MS };
  const run = runPod(jobs, policy, { coldStartMs, slots: settings.slots, ...horizon });
  const usd = (ms: number) => (ms / 3_600_000) * settings.pricePerHourUsd;
  const waits = run.waitsMs.map((w) => w / 1000);
  const waitSeconds = waitStats(waits);
  return {
    policy: policy.name,
    requests: jobs.length,
    horizon,
    spendUsd: usd(run.billedMs),
    busyUsd: usd(run.busyMs),
    clairvoyantUsd: usd(clairvoyantMs(jobs, coldStartMs, settings.slots)),
    alwaysOnUsd: usd(horizon.endMs - horizon.startMs),
    podStarts: run.starts,
    billedHours: run.billedMs / 3_600_000,
    busyHours: run.busyMs / 3_600_000,
    bootHours: run.bootMs / 3_600_000,
    idleHours: (run.billedMs - run.busyMs - run.bootMs) / 3_600_000,
    waitSeconds,
    lateRequests: waits.filter((w) => w > settings.waitTargetSeconds).length,
    metTarget: jobs.length === 0 || waitSeconds.p95 <= settings.waitTargetSeconds,
  };
}

/** Nearest-rank percentile of ascending `sorted`: the smallest value with at least q of the values at or below it. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] ?? 0;
}

export function waitStats(waits: readonly number[]): WaitStats {
  const sorted = [...waits].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95), max: sorted[sorted.length - 1] ?? 0 };
}

/** End times of jobs served as soon as a slot is free on an always-ready pod. */
function noWaitEnds(jobs: readonly Job[], slots: number): { startMs: number; endMs: number }[] {
  const free = Array.from({ length: slots }, () => Number.NEGATIVE_INFINITY);
  return jobs.map((j) => {
    let k = 0;
    for (let s = 1; s < free.length; s++) if ((free[s] ?? 0) < (free[k] ?? 0)) k = s;
    const startMs = Math.max(j.arrivalMs, free[k] ?? 0);
    free[k] = startMs + j.serviceMs;
    return { startMs, endMs: startMs + j.serviceMs };
  });
}

/**
 * Billed ms of the cheapest schedule that makes nobody wait: the no-wait busy
 * periods, merged across gaps no longer than a cold start (idling through is no
 * dearer than a reboot), each block booted exactly a cold start ahead.
 */
export function clairvoyantMs(jobs: readonly Job[], coldStartMs: number, slots: number): number {
  let total = 0;
  let blockStart = Number.NaN;
  let blockEnd = Number.NEGATIVE_INFINITY;
  for (const { startMs, endMs } of noWaitEnds(jobs, slots)) {
    if (startMs - blockEnd > coldStartMs || Number.isNaN(blockStart)) {
      if (!Number.isNaN(blockStart)) total += coldStartMs + blockEnd - blockStart;
      blockStart = startMs;
    }
    blockEnd = Math.max(blockEnd, endMs);
  }
  return Number.isNaN(blockStart) ? 0 : total + coldStartMs + blockEnd - blockStart;
}

/**
 * Drive `policy` over `jobs` (sorted by arrival) from `startMs`, pod stopped.
 * Throws if the policy leaves a request unserved (a policy bug).
 */
export function runPod(jobs: readonly Job[], policy: Policy, options: PodRunOptions): PodRun {
  const { coldStartMs, slots, startMs } = options;
  const waitsMs = new Array<number>(jobs.length).fill(Number.NaN);
  const queue: number[] = [];
  let head = 0;
  let next = 0;
  const ends: number[] = [];
  let pod: PodState = 'stopped';
  let podSince = startMs;
  let onSince = startMs;
  let readyAt = Number.POSITIVE_INFINITY;
  let lastActivity: number | undefined;
  let recheck = Number.POSITIVE_INFINITY;
  let billedMs = 0;
  let busyMs = 0;
  let busySince = 0;
  let bootMs = 0;
  let starts = 0;
  let done = 0;
  let now = startMs;

  const dispatch = () => {
    while (pod === 'ready' && ends.length < slots && head < queue.length) {
      const index = queue[head++] ?? 0;
      const job = jobs[index];
      if (!job) continue;
      if (ends.length === 0) busySince = now;
      ends.push(now + job.serviceMs);
      waitsMs[index] = now - job.arrivalMs;
      policy.observe({ type: 'start', arrivalMs: job.arrivalMs, atMs: now });
    }
  };
  const stop = () => {
    if (pod === 'booting') bootMs += now - onSince;
    billedMs += now - onSince;
    pod = 'stopped';
    podSince = now;
    readyAt = Number.POSITIVE_INFINITY;
    lastActivity = undefined;
  };
  const apply = (decision: PolicyDecision) => {
    if (decision.action === 'start' && pod === 'stopped') {
      pod = 'booting';
      podSince = now;
      onSince = now;
      readyAt = now + coldStartMs;
      starts++;
    } else if (decision.action === 'stop' && pod !== 'stopped' && ends.length === 0) {
      stop();
    }
    recheck =
      decision.recheckAtMs !== undefined && decision.recheckAtMs > now
        ? decision.recheckAtMs
        : Number.POSITIVE_INFINITY;
  };
  const decide = () => {
    apply(
      policy.decide({
        nowMs: now,
        pod,
        podSinceMs: podSince,
        waiting: queue.slice(head).map((i) => jobs[i]?.arrivalMs ?? 0),
        running: ends.length,
        ...(pod === 'ready' ? { lastActivityMs: lastActivity } : {}),
      }),
    );
  };

  decide();
  for (;;) {
    const arrival = jobs[next]?.arrivalMs ?? Number.POSITIVE_INFINITY;
    let end = Number.POSITIVE_INFINITY;
    for (const e of ends) if (e < end) end = e;
    const t = Math.min(arrival, end, readyAt, recheck);
    const pending = done < jobs.length;
    if (t === Number.POSITIVE_INFINITY || (!pending && t > options.endMs)) break;
    now = Math.max(now, t);
    if (end <= now) {
      for (let k = ends.length - 1; k >= 0; k--) {
        if ((ends[k] ?? 0) <= now) {
          ends.splice(k, 1);
          done++;
        }
      }
      lastActivity = now;
      if (ends.length === 0) busyMs += now - busySince;
    }
    if (readyAt <= now) {
      bootMs += now - onSince;
      pod = 'ready';
      podSince = now;
      readyAt = Number.POSITIVE_INFINITY;
      lastActivity = now;
    }
    while (next < jobs.length && (jobs[next]?.arrivalMs ?? 0) <= now) {
      queue.push(next);
      policy.observe({ type: 'arrival', atMs: jobs[next]?.arrivalMs ?? now });
      next++;
    }
    dispatch();
    decide();
    dispatch();
  }
  if (done < jobs.length) throw new Error(`policy ${policy.name} left ${jobs.length - done} requests unserved`);
  now = Math.max(now, options.endMs);
  if (pod !== 'stopped') stop();
  return { startMs, endMs: now, billedMs, busyMs, bootMs, starts, waitsMs };
}
