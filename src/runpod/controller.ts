import { randomUUID } from 'node:crypto';
import type { ModelLabel } from '../ask/answer.ts';
import type { PodConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { FitbotMetrics } from '../ops/metrics.ts';
import type { LedgerEntry } from '../spend/ledger-entry.ts';
import { isoWeekOf } from '../spend/week.ts';
import { lastServedTeam, type PodRun, type RunAnswer, runUsdPerSecond, settleRun } from './accounting.ts';
import { mayHaveTakenEffect, type PodInfo, type RunPodApi } from './api.ts';
import type { PodStatus, PodStore } from './pod-store.ts';
import type { Policy, PolicyView } from './policy.ts';

/** The Maverick queue as the controller sees it. */
export interface QueueView {
  /** Jobs not started: id and enqueue time, oldest first. */
  waiting(): Promise<{ id: string; atMs: number }[]>;
  /** Jobs running: id, enqueue time and start time. */
  running(): Promise<{ id: string; atMs: number; startedAtMs: number }[]>;
  /** Answer every waiting job with this error (the spend guard); returns how many. */
  rejectWaiting(message: string): Promise<number>;
}

/** The ledger as the controller needs it: settle a run's answers. */
export interface RunLedger {
  record(entry: LedgerEntry): Promise<unknown>;
  /** From now on an answer of this run adds no cost (the settlement charges all its seconds). */
  closeRun(runId: string): Promise<void>;
  runAnswers(runId: string): Promise<RunAnswer[]>;
}

export interface PodControllerOptions {
  pod: PodConfig;
  api: RunPodApi;
  store: PodStore;
  ledger: RunLedger;
  queue: QueueView;
  policy: Policy;
  label: ModelLabel;
  pricePerGpuHourUsd: number;
  /** The model server's base URL as configured (MAVERICK_BASE_URL). */
  baseUrl: string;
  /** Let this process's Maverick worker take jobs, or stop it taking more (resolves when its jobs are done). */
  setAccepting(on: boolean): Promise<void>;
  log: Logger;
  now?: () => number;
  /** GET the model server's /health: true on 200. */
  healthy?: (baseUrl: string) => Promise<boolean>;
  /** Billed pod seconds and the settled spend for /metrics. */
  metrics?: Pick<FitbotMetrics, 'addPodBilledSeconds' | 'addSpend'>;
}

/** `…/v1` → `…/health`: llama-server answers 503 while loading, 200 when ready. */
export function healthUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/health`;
}

async function fetchHealthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(healthUrl(baseUrl), { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The lock went to another controller: this one must not act on the pod or its state. */
class LockLostError extends Error {
  override readonly name = 'LockLostError';
  constructor() {
    super('pod controller lost its lock; another controller acts now');
  }
}

/** How often a booting pod's /health is polled, at most, ms. */
const BOOT_POLL_MS = 2000;

/** How long a pod a failed recreate may have created is looked for, ms. */
const RECREATE_LOOKUP_MS = 15 * 60_000;

/**
 * The name of a recreated pod: the old one's with a suffix unique to this
 * attempt (a previous attempt's suffix replaced), so that a pod created by a
 * call that failed can be told apart and found.
 */
function recreatedPodName(fromName: string, attemptId: string): string {
  return `${fromName.replace(/-re-[0-9a-f]{8}$/, '')}-re-${attemptId.slice(0, 8)}`;
}

/** The model server's URL on the new pod: RunPod's proxy URL carries the pod id. */
function baseUrlOnPod(baseUrl: string, fromPodId: string, toPodId: string): string {
  return baseUrl.split(fromPodId).join(toPodId);
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * Starts and stops the Maverick pod as the policy says, and accounts for every
 * billed second. Every process with a Maverick worker runs one; the one holding
 * the Redis lock acts on the pod, the others follow its state (their workers
 * take jobs only while the pod is ready). It reconciles with RunPod on every
 * tick: a pod found running that no run accounts for is adopted (and stopped by
 * the policy if nothing needs it); a run whose pod stopped is settled.
 */
export class PodController {
  private readonly owner = randomUUID();
  private readonly now: () => number;
  private readonly healthy: (baseUrl: string) => Promise<boolean>;
  private readonly lockTtlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private holder = false;
  private accepting = false;
  private seenStarts = new Set<string>();
  private lastApiError = 0;
  private lastState: PodStatus['state'] = 'stopped';
  private poked = false;
  /** The last getPod answered "no such pod": a second one in a row ends the run. */
  private podMissing = false;

  constructor(private readonly o: PodControllerOptions) {
    this.now = o.now ?? Date.now;
    this.healthy = o.healthy ?? fetchHealthy;
    this.lockTtlMs = Math.min(60_000, Math.max(3000, 3 * o.pod.pollMs));
  }

  /** Learn the rhythm from the stored arrivals, then tick every poll interval. */
  async start(): Promise<void> {
    for (const atMs of await this.o.store.arrivalsSince(this.now() - 28 * 86_400_000)) {
      this.o.policy.observe({ type: 'arrival', atMs });
    }
    // close() may have run while the arrivals loaded: it cleared no timer yet, so set none.
    if (this.closed) return;
    this.renewTimer = setInterval(() => {
      if (!this.holder) return;
      void this.o.store
        .acquire(this.owner, this.lockTtlMs)
        .then((held) => {
          if (!held) this.o.log.warn('pod controller lost its lock; another controller acts now');
          this.holder = held;
        })
        .catch(() => {});
    }, this.lockTtlMs / 3);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .catch((error) =>
          error instanceof LockLostError
            ? this.o.log.warn(error.message)
            : this.o.log.error('pod controller tick failed', { error }),
        )
        .then((recheckAtMs) => {
          const next = recheckAtMs === undefined ? this.o.pod.pollMs : recheckAtMs - this.now();
          // While the model loads, look every couple of seconds so answers start as soon as it is ready.
          const poll = this.lastState === 'booting' ? Math.min(this.o.pod.pollMs, BOOT_POLL_MS) : this.o.pod.pollMs;
          const poked = this.poked;
          this.poked = false;
          this.schedule(poked ? 0 : Math.max(10, Math.min(poll, next)));
        });
    }, delayMs);
  }

  /** A Maverick job was just queued in this process: look now rather than at the next poll. */
  poke(): void {
    if (this.closed) return;
    if (this.timer === undefined)
      this.poked = true; // a tick is running: another one right after it
    else this.schedule(0);
  }

  /**
   * Stop ticking. A controller holding the lock stops the pod first (after the
   * jobs running finish), so that no pod is left billing with nobody watching.
   */
  async close(options: { stopPod: boolean; drainMs?: number } = { stopPod: true }): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.holder && options.stopPod) {
      const status = await this.o.store.status();
      if (status && status.state !== 'stopped') {
        await this.stop(status, 'fitbot is shutting down', options.drainMs).catch((error) =>
          this.o.log.error('could not stop the pod on shutdown', { podId: status.podId, error }),
        );
      }
    }
    await this.gate(false);
    // The lock is renewed until here: a drain longer than the lock's lifetime must still end in the stop.
    clearInterval(this.renewTimer);
    if (this.holder) await this.o.store.release(this.owner).catch(() => {});
  }

  /** One look at the pod, the queue and the policy; returns when the policy wants to be asked again. */
  async tick(): Promise<number | undefined> {
    this.holder = await this.o.store.acquire(this.owner, this.lockTtlMs);
    let status = (await this.o.store.status()) ?? this.initialStatus();
    if (!this.holder) {
      await this.gate(status.state === 'ready');
      return undefined;
    }
    const waiting = await this.o.queue.waiting();
    const running = await this.o.queue.running();
    await this.observe(waiting, running);

    const pod = await this.o.api.getPod(status.podId).catch((error: Error) => this.apiFailed(error));
    if (pod !== 'failed') {
      status = await this.reconcile(status, pod);
      status = await this.resolveFailedRecreates(status);
      await this.terminateReplaced();
    }
    // While the API is down a booting pod's /health is still watched (and its timeout kept).
    if (status.state === 'booting') status = await this.boot(status, pod === 'failed' ? undefined : pod);
    this.lastState = status.state;
    await this.gate(status.state === 'ready');

    const view: PolicyView = {
      nowMs: this.now(),
      pod: status.state === 'stopping' ? 'stopped' : status.state,
      podSinceMs: status.sinceMs,
      waiting: waiting.map((j) => j.atMs),
      running: running.length,
      ...(status.state === 'ready' ? { lastActivityMs: await this.lastActivity(status, running.length) } : {}),
    };
    const decision = this.o.policy.decide(view);
    const cap = await this.overCap(status);
    if (cap) return this.holdCapped(status, cap, waiting.length, running.length);
    if (status.capped) status = await this.update(status, { capped: undefined });
    if (pod === 'failed') return decision.recheckAtMs;

    if (decision.action === 'start' && status.state === 'stopped') {
      if ((status.coolDownUntilMs ?? 0) > this.now()) return status.coolDownUntilMs;
      await this.resume(status, decision.reason);
    } else if (decision.action === 'stop' && (status.state === 'ready' || status.state === 'booting')) {
      await this.stop(status, decision.reason);
    }
    return decision.recheckAtMs;
  }

  private initialStatus(): PodStatus {
    return { state: 'stopped', sinceMs: this.now(), podId: this.o.pod.podId, baseUrl: this.o.baseUrl };
  }

  /** Write the status, only while holding the lock (checked atomically with the write). */
  private async update(status: PodStatus, change: Partial<PodStatus>): Promise<PodStatus> {
    const next = { ...status, ...change };
    if (!(await this.o.store.setStatusAsHolder(this.owner, next))) this.lockLost();
    return next;
  }

  /**
   * Right before acting on RunPod: a controller whose lock lapsed (a stall
   * longer than its TTL) may have been replaced, and must not act for it.
   */
  private async fence(): Promise<void> {
    if (!(await this.o.store.holds(this.owner))) this.lockLost();
  }

  private lockLost(): never {
    this.holder = false;
    throw new LockLostError();
  }

  private apiFailed(error: Error): 'failed' {
    // Once a minute is enough to say the API is down; the controller keeps its last known state.
    if (this.now() - this.lastApiError > 60_000) {
      this.lastApiError = this.now();
      this.o.log.warn('RunPod API unavailable; keeping the last known pod state', { error: error.message });
    }
    return 'failed';
  }

  /** Feed the policy what happened since the last tick. */
  private async observe(
    waiting: { id: string; atMs: number }[],
    running: { id: string; atMs: number; startedAtMs: number }[],
  ) {
    for (const job of [...waiting, ...running].sort((a, b) => a.atMs - b.atMs)) {
      if (await this.o.store.recordArrival(job.id, job.atMs))
        this.o.policy.observe({ type: 'arrival', atMs: job.atMs });
    }
    for (const job of running) {
      if (this.seenStarts.has(job.id)) continue;
      this.seenStarts.add(job.id);
      this.o.policy.observe({ type: 'start', arrivalMs: job.atMs, atMs: job.startedAtMs });
    }
    if (this.seenStarts.size > 10_000) this.seenStarts = new Set(running.map((j) => j.id));
  }

  /** Make the stored state agree with RunPod's. */
  private async reconcile(status: PodStatus, pod: PodInfo | undefined): Promise<PodStatus> {
    const up = pod?.desiredStatus === 'RUNNING';
    const missedBefore = this.podMissing;
    this.podMissing = pod === undefined;
    if (up && status.state === 'stopped') {
      const uptimeMs = (pod?.runtime?.uptimeSeconds ?? 0) * 1000;
      // The seconds up to the last run's end are settled already: never bill them twice.
      const lastEndMs = (await this.o.store.lastRunEndMs()) ?? 0;
      this.o.log.warn('found the pod running with no run accounting for it: adopting it', { podId: status.podId });
      return this.update(status, {
        state: 'booting',
        sinceMs: this.now(),
        runId: randomUUID(),
        runStartedAtMs: Math.max(this.now() - uptimeMs, lastEndMs),
        readyAtMs: undefined,
        stopRequestedAtMs: undefined,
        note: 'found running',
      });
    }
    if (up && status.state === 'stopping') {
      // A controller died between deciding to stop and RunPod stopping the pod: finish the stop.
      return this.stop(status, status.note ?? 'finishing an interrupted stop');
    }
    if (!up && status.state !== 'stopped') {
      // RunPod's reads are not always current: one "no such pod" for a live run is not enough to end it.
      if (!pod && !missedBefore && status.state !== 'stopping') return status;
      if (status.state !== 'stopping') this.o.log.warn('the pod stopped outside fitbot', { podId: status.podId });
      return this.endRun(status, pod ? 'stopped' : 'pod not found');
    }
    return status;
  }

  /** While booting: recreate a pod that came back without GPUs, mark it ready at /health 200, give up after the timeout. */
  private async boot(status: PodStatus, pod: PodInfo | undefined): Promise<PodStatus> {
    if (pod?.runtime && pod.runtime.gpuCount === 0) return this.recreate(status, pod);
    if (await this.healthy(status.baseUrl)) {
      this.o.log.info('pod ready', {
        podId: status.podId,
        bootSeconds: (this.now() - (status.runStartedAtMs ?? 0)) / 1000,
      });
      return this.update(status, { state: 'ready', sinceMs: this.now(), readyAtMs: this.now(), note: 'model loaded' });
    }
    if (this.now() - status.sinceMs > this.o.pod.healthTimeoutMs) {
      const why = `the model server was not healthy ${minutes(this.o.pod.healthTimeoutMs)} after the pod started`;
      this.o.log.error('pod boot timed out; stopping it', { podId: status.podId });
      const stopped = await this.stop(status, why);
      return this.update(stopped, { coolDownUntilMs: this.now() + this.o.pod.healthTimeoutMs, note: why });
    }
    return status;
  }

  private async recreate(status: PodStatus, pod: PodInfo): Promise<PodStatus> {
    this.o.log.warn('the pod resumed with zero GPUs; recreating it on its network volume', { podId: pod.id });
    const name = recreatedPodName(pod.name, randomUUID());
    await this.fence();
    let fresh: PodInfo;
    try {
      fresh = await this.o.api.recreatePod(pod, { gpuCount: this.o.label.gpuCount, name });
    } catch (error) {
      // RunPod may have created it anyway: look for it by its name, now and on later ticks (a restarted controller too).
      if (mayHaveTakenEffect(error)) await this.o.store.addFailedRecreate(name, pod.id, this.now());
      const why = `the pod resumed with zero GPUs and could not be recreated: ${error instanceof Error ? error.message : String(error)}`;
      this.o.log.error('pod recreate failed', { podId: pod.id, error: why });
      const stopped = await this.stop(status, why);
      const cooled = await this.update(stopped, { coolDownUntilMs: this.now() + 10 * 60_000, note: why });
      return this.resolveFailedRecreates(cooled);
    }
    // Recorded before anything else: a controller dying now must find the new (billing) pod.
    const recreated = await this.update(status, {
      podId: fresh.id,
      baseUrl: baseUrlOnPod(status.baseUrl, pod.id, fresh.id),
      sinceMs: this.now(),
      note: 'recreated: the old pod had no GPUs',
    });
    await this.o.store.markForTermination(pod.id);
    await this.terminateReplaced();
    return recreated;
  }

  /**
   * Find the pods recreate calls that failed ambiguously may have created. One
   * found while the state is still where the failure left it (stopped, on the
   * old pod) becomes the pod: the next tick adopts it as a run, and the old
   * zero-GPU pod is terminated. Any other is terminated. A recreate is looked
   * for until found or for RECREATE_LOOKUP_MS.
   */
  private async resolveFailedRecreates(status: PodStatus): Promise<PodStatus> {
    for (const failed of await this.o.store.failedRecreates()) {
      const found = await this.o.api.findPodsByName(failed.name).catch((error: Error) => this.apiFailed(error));
      if (found === 'failed') return status;
      for (const pod of found) {
        if (status.state === 'stopped' && status.podId === failed.fromPodId) {
          this.o.log.warn('a failed recreate created the pod after all: taking it over', { podId: pod.id });
          status = await this.update(status, {
            podId: pod.id,
            baseUrl: baseUrlOnPod(status.baseUrl, failed.fromPodId, pod.id),
            note: 'recreated: the old pod had no GPUs',
          });
          await this.o.store.markForTermination(failed.fromPodId);
        } else {
          this.o.log.warn('a failed recreate created a pod after all: terminating it', { podId: pod.id });
          await this.o.store.markForTermination(pod.id);
        }
      }
      if (found.length > 0 || this.now() - failed.sinceMs > RECREATE_LOOKUP_MS) {
        await this.o.store.failedRecreateResolved(failed.name);
      }
    }
    return status;
  }

  /** Terminate the pods recreates replaced; one RunPod did not take is kept and tried again next tick. */
  private async terminateReplaced(): Promise<void> {
    for (const podId of await this.o.store.podsToTerminate()) {
      await this.fence();
      try {
        await this.o.api.terminatePod(podId);
        await this.o.store.terminated(podId);
      } catch (error) {
        this.o.log.error('could not terminate a replaced pod; trying again next tick', {
          podId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  private async resume(status: PodStatus, reason: string): Promise<void> {
    const startedAtMs = this.now();
    // Recorded before the call: if this process dies during it, the next controller finds the run.
    const booting = await this.update(status, {
      state: 'booting',
      sinceMs: startedAtMs,
      runId: randomUUID(),
      runStartedAtMs: startedAtMs,
      readyAtMs: undefined,
      stopRequestedAtMs: undefined,
      note: reason,
    });
    this.lastState = 'booting';
    await this.fence();
    try {
      await this.o.api.resumePod(status.podId, this.o.label.gpuCount);
      this.o.log.info('pod starting', { podId: status.podId, reason });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.o.log.warn('pod resume failed', { podId: status.podId, error: message });
      // RunPod may have started it anyway: the next tick's reconcile settles what really happened.
      const pod = await this.o.api.getPod(status.podId).catch(() => undefined);
      if (pod?.desiredStatus !== 'RUNNING') {
        // Not again at every poll: a pod that cannot start now (no free GPUs) is tried again in a minute.
        await this.update(status, {
          note: `could not start the pod: ${message}`,
          sinceMs: status.sinceMs,
          coolDownUntilMs: this.now() + Math.max(60_000, this.o.pod.pollMs),
        });
      } else {
        await this.update(booting, {});
      }
    }
  }

  /** Stop taking jobs, let the running ones finish, stop the pod, settle the run. */
  /**
   * Stop the pod: mark the run `stopping` (a controller that dies from here on
   * leaves a state the next one finishes), stop taking jobs and give the running
   * answers up to `drainMs` to finish (every worker on the queue, not only this
   * process's), stop the pod, record when, settle the run.
   */
  private async stop(status: PodStatus, reason: string, drainMs = this.o.pod.healthTimeoutMs): Promise<PodStatus> {
    let stopping = await this.update(status, { state: 'stopping', note: reason });
    const deadline = this.now() + drainMs;
    const gated = this.gate(false);
    await Promise.race([gated, new Promise((r) => setTimeout(r, drainMs))]);
    while ((await this.o.queue.running()).length > 0 && this.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    stopping = await this.update(stopping, { stopRequestedAtMs: this.now() });
    await this.fence();
    await this.o.api.stopPod(status.podId);
    stopping = await this.update(stopping, { runEndedAtMs: this.now() });
    this.o.log.info('pod stopped', { podId: status.podId, reason });
    return this.endRun(stopping, reason);
  }

  /**
   * Charge the run: every billed second to the answers it served, or to the last
   * team served. The end is stored before settling, so a settlement interrupted
   * and redone uses the same end (shares are idempotent by run and job).
   */
  private async endRun(status: PodStatus, note: string): Promise<PodStatus> {
    if (status.runEndedAtMs === undefined) {
      status = await this.update(status, { runEndedAtMs: status.stopRequestedAtMs ?? this.now() });
    }
    const endedAtMs = status.runEndedAtMs ?? this.now();
    if (status.runId && status.runStartedAtMs !== undefined) {
      await this.fence();
      const run: PodRun = {
        runId: status.runId,
        startedAtMs: status.runStartedAtMs,
        ...(status.readyAtMs !== undefined ? { readyAtMs: status.readyAtMs } : {}),
        endedAtMs: Math.max(endedAtMs, status.runStartedAtMs),
        gpuCount: this.o.label.gpuCount,
        pricePerGpuHourUsd: this.o.pricePerGpuHourUsd,
      };
      await this.settle(run);
      await this.o.store.recordRun(run.runId, run.startedAtMs, run.endedAtMs);
    }
    return this.update(
      { state: 'stopped', sinceMs: this.now(), podId: status.podId, baseUrl: status.baseUrl },
      {
        note,
        ...(status.coolDownUntilMs ? { coolDownUntilMs: status.coolDownUntilMs } : {}),
        ...(status.capped ? { capped: status.capped } : {}),
      },
    );
  }

  private async settle(run: PodRun): Promise<void> {
    // Closed first: an answer recorded after the read below would otherwise pay for seconds settled here.
    await this.o.ledger.closeRun(run.runId);
    const answers = await this.o.ledger.runAnswers(run.runId);
    const settlement = settleRun(run, answers);
    const perGpuSecond = runUsdPerSecond(run) / run.gpuCount;
    const basis = `pod run: ${settlement.billedSeconds.toFixed(0)} s billed (boot ${settlement.bootSeconds.toFixed(0)} s, busy ${settlement.busySeconds.toFixed(0)} s, idle ${settlement.idleSeconds.toFixed(0)} s)`;
    const base = {
      kind: 'pod-share' as const,
      status: 'ok' as const,
      ...this.o.label,
      startedAtMs: run.startedAtMs,
      endedAtMs: run.endedAtMs,
      promptTokens: 0,
      completionTokens: 0,
      costBasis: basis,
      route: 'maverick: pod run settlement',
    };
    for (const share of settlement.shares) {
      const { answer } = share;
      // Counters only grow: an answer whose settlement is a refund (overlap made it cheaper) adds nothing.
      if (share.settleUsd > 0) this.o.metrics?.addSpend(answer.team, this.o.label.model, share.settleUsd);
      await this.o.ledger.record({
        ...base,
        jobId: `share-${run.runId}-${answer.jobId}`,
        team: answer.team,
        userId: answer.userId,
        userName: answer.userName,
        costUsd: share.settleUsd,
        gpuSeconds: share.settleUsd / perGpuSecond,
        idleUsd: share.idleUsd,
        idleGpuSeconds: share.idleUsd / perGpuSecond,
      });
    }
    const lastTeam = lastServedTeam(answers);
    if (settlement.unattributedUsd > 0) {
      const team = lastTeam ?? (await this.o.store.lastTeam()) ?? 'unattributed';
      await this.o.ledger.record({
        ...base,
        jobId: `share-${run.runId}-none`,
        team,
        userId: 'pod',
        userName: 'pod (no answers)',
        costUsd: settlement.unattributedUsd,
        gpuSeconds: settlement.unattributedUsd / perGpuSecond,
        idleUsd: settlement.unattributedUsd,
        idleGpuSeconds: settlement.unattributedUsd / perGpuSecond,
      });
    }
    if (lastTeam) await this.o.store.setLastTeam(lastTeam);
    this.o.metrics?.addPodBilledSeconds(settlement.billedSeconds);
    this.o.log.info('pod run settled', {
      runId: run.runId,
      billedSeconds: settlement.billedSeconds,
      bootSeconds: settlement.bootSeconds,
      busySeconds: settlement.busySeconds,
      idleSeconds: settlement.idleSeconds,
      billedUsd: settlement.billedUsd,
      answers: answers.length,
    });
  }

  /** When the pod last worked: now while jobs run, else the latest answer's end or the ready time. */
  private async lastActivity(status: PodStatus, running: number): Promise<number> {
    if (running > 0) return this.now();
    const answers = status.runId ? await this.o.ledger.runAnswers(status.runId) : [];
    return Math.max(status.readyAtMs ?? status.sinceMs, ...answers.map((a) => a.endedAtMs));
  }

  /** The runaway guard: the reason the pod must not run now, if a limit is reached. */
  private async overCap(status: PodStatus): Promise<string | undefined> {
    const now = this.now();
    const open = status.runStartedAtMs !== undefined && status.state !== 'stopped' ? status.runStartedAtMs : undefined;
    const used = async (fromMs: number) =>
      (await this.o.store.billedSecondsBetween(fromMs, now)) / 3600 +
      (open !== undefined ? (now - Math.max(open, fromMs)) / 3_600_000 : 0);
    const dayStart = now - (now % 86_400_000);
    const day = await used(dayStart);
    if (day >= this.o.pod.maxPodHoursPerDay)
      return `the pod has run ${day.toFixed(1)} h today (limit ${this.o.pod.maxPodHoursPerDay} h, MAVERICK_MAX_POD_HOURS_PER_DAY)`;
    const week = await used(isoWeekOf(now).startMs);
    if (week >= this.o.pod.maxPodHoursPerWeek)
      return `the pod has run ${week.toFixed(1)} h this week (limit ${this.o.pod.maxPodHoursPerWeek} h, MAVERICK_MAX_POD_HOURS_PER_WEEK)`;
    return undefined;
  }

  private async holdCapped(status: PodStatus, cap: string, waiting: number, running: number): Promise<undefined> {
    if (!status.capped) this.o.log.warn('spend guard: holding the pod stopped', { reason: cap });
    let held = await this.update(status, { capped: cap });
    await this.gate(false);
    if (held.state !== 'stopped' && running === 0) held = await this.stop(held, cap);
    if (waiting > 0) await this.o.queue.rejectWaiting(`Maverick is paused: ${cap}. Ask again with model:scout.`);
    return undefined;
  }

  /** Open or close this process's worker to jobs. */
  private async gate(on: boolean): Promise<void> {
    if (on === this.accepting) return;
    this.accepting = on;
    await this.o.setAccepting(on);
  }
}
