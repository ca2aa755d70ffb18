/**
 * The pod policies (the contract is src/runpod/policy.ts): always-on, idle-stop-<N>m,
 * windows, and adaptive, the production default, which replays its own history
 * through the simulator to choose a plan. Pure: time comes in the view, and the
 * same objects run in `fitbot simulate` and in the production controller.
 * docs/POLICY.md explains the economics and the choices.
 */
import { UserError } from '../errors.ts';
import type { Policy, PolicyDecision, PolicySettings, PolicyView, ScheduleWindow } from './policy.ts';
import {
  assertTimeZone,
  DAY_MS,
  HOUR_MS,
  localDayNumber,
  localDayStartMs,
  localTime,
  MINUTE_MS,
  windowIntervals,
} from './schedule.ts';
import { runPod } from './simulate.ts';

export const POLICY_HELP = `policies:
  always-on         start when stopped, never stop
  idle-stop-<N>m    start when a request waits; stop after N idle minutes (N ≥ 0, e.g. idle-stop-10m, idle-stop-2.5m)
  windows           ready during the schedule windows; on demand outside, stopping after a cold start's worth of idle
  adaptive          learns the team's rhythm and picks the cheapest plan that meets the p95 wait target (default)`;

/** The fixed policies the simulator compares adaptive against. */
export const FIXED_POLICIES = [
  'always-on',
  'idle-stop-2m',
  'idle-stop-5m',
  'idle-stop-10m',
  'idle-stop-20m',
  'idle-stop-30m',
  'idle-stop-60m',
  'windows',
] as const;

/** A policy by name (POLICY_HELP); throws UserError listing the valid names. */
export function createPolicy(name: string, settings: PolicySettings): Policy {
  if (name === 'always-on') return alwaysOn();
  if (name === 'windows' || name === 'adaptive') assertTimeZone(settings.timeZone);
  if (name === 'windows') return windowsPolicy(settings);
  if (name === 'adaptive') return adaptive(settings);
  const idle = /^idle-stop-(\d+(?:\.\d+)?)m$/.exec(name);
  if (idle) return idleStop(Number(idle[1]) * MINUTE_MS, name);
  throw new UserError(`unknown policy '${name}'\n${POLICY_HELP}`);
}

export function alwaysOn(): Policy {
  return {
    name: 'always-on',
    observe() {},
    decide: (view) =>
      view.pod === 'stopped' ? { action: 'start', reason: 'always on' } : { action: 'keep', reason: 'always on' },
  };
}

/**
 * The on-demand rule shared by idle-stop, windows (outside its windows) and
 * adaptive: start when a request waits; stop once the pod has been idle
 * `idleMs` with nothing waiting or running.
 */
export function onDemand(view: PolicyView, idleMs: number): PolicyDecision {
  if (view.pod === 'stopped')
    return view.waiting.length > 0
      ? { action: 'start', reason: 'a request waits' }
      : { action: 'keep', reason: 'stopped, queue empty' };
  if (view.pod === 'booting') return { action: 'keep', reason: 'booting' };
  if (view.running > 0 || view.waiting.length > 0) return { action: 'keep', reason: 'busy' };
  const idleSince = view.lastActivityMs ?? view.podSinceMs;
  const stopAt = idleSince + idleMs;
  if (view.nowMs >= stopAt) return { action: 'stop', reason: `idle ${minutes(view.nowMs - idleSince)}, queue empty` };
  return { action: 'keep', reason: `idle ${minutes(view.nowMs - idleSince)}`, recheckAtMs: stopAt };
}

function minutes(ms: number): string {
  return `${Math.round((ms / MINUTE_MS) * 10) / 10} min`;
}

export function idleStop(idleMs: number, name = `idle-stop-${idleMs / MINUTE_MS}m`): Policy {
  return { name, observe() {}, decide: (view) => onDemand(view, idleMs) };
}

/**
 * Ready through the windows (started a cold start ahead of each opening);
 * outside, on demand with an idle stop of one cold start: the ski-rental
 * break-even, never paying more than twice what hindsight would for an idle gap.
 */
export function windowsPolicy(settings: PolicySettings): Policy {
  const coldStartMs = settings.coldStartSeconds * 1000;
  return scheduled('windows', settings.windows, settings.timeZone, coldStartMs, coldStartMs);
}

/**
 * Ready through `windows` (in `timeZone`), started a cold start ahead of each so
 * that it is ready at the opening; outside them, on demand with an idle stop of
 * `idleMs`. With no windows it is plain on-demand.
 */
export function scheduled(
  name: string,
  windows: readonly ScheduleWindow[],
  timeZone: string,
  coldStartMs: number,
  idleMs: number,
): Policy {
  // Window intervals for the next week, recomputed when time leaves them: decide runs
  // thousands of times in a simulation, local-time arithmetic is the slow part.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  let intervals: [number, number][] = [];
  const around = (now: number) => {
    if (now < from || now + coldStartMs + DAY_MS > to) {
      from = now - HOUR_MS;
      to = now + 8 * DAY_MS;
      intervals = windowIntervals(from, to, windows, timeZone);
    }
    return intervals;
  };
  return {
    name,
    observe() {},
    decide(view) {
      if (windows.length === 0) return onDemand(view, idleMs);
      const now = view.nowMs;
      const next = around(now).find(([, end]) => end > now);
      if (next && next[0] - coldStartMs <= now) {
        const reason = now >= next[0] ? 'inside a window' : 'warming up for a window';
        return { action: view.pod === 'stopped' ? 'start' : 'keep', reason, recheckAtMs: next[1] };
      }
      const decision = onDemand(view, idleMs);
      if (!next) return decision;
      return {
        ...decision,
        recheckAtMs: Math.min(decision.recheckAtMs ?? Number.POSITIVE_INFINITY, next[0] - coldStartMs),
      };
    },
  };
}

/** A plan the adaptive policy runs until it next re-plans: windows to be ready in, on demand outside. */
export interface AdaptivePlan {
  windows: ScheduleWindow[];
  idleMs: number;
  /** How it was chosen, for the status line and reports. */
  why: string;
  /**
   * A request that finds the pod stopped (late, when a cold start breaks the target)
   * keeps the pod on for the rest of the local day: the plan missed the team's hours.
   */
  onAfterLate?: boolean;
}

export interface AdaptivePolicy extends Policy {
  /** The plan in force. */
  plan(): AdaptivePlan;
}

const SLOT_MINUTES = 15;
const SLOTS_PER_DAY = (24 * 60) / SLOT_MINUTES;
/** Arrivals kept, and days replayed when choosing a plan. */
const HISTORY_DAYS = 28;
const REPLAY_DAYS = 14;
/** Idle stops tried for on-demand plans and outside windows, minutes. */
const IDLE_MINUTES = [0, 0.5, 1, 2, 5, 10, 20, 30, 60];
const WINDOWED_IDLE_MINUTES = [0, 2, 10, 30, 60];
/** Learned windows cover the likeliest slots for a session to start, holding this share of a week's sessions. */
const COVERAGE = [0.99, 0.97, 0.94, 0.9, 0.8];
/** Learned rates are smoothed over ± this many slots (1 h): tomorrow's sessions start near, not at, today's times. */
const SMOOTH_SLOTS = 4;
/** Late share a plan may show in replay: under the 5 % a p95 allows, for what history did not show. */
const LATE_SHARE_PLANNED = 0.03;
const LATE_SHARE_TARGET = 0.05;
/** When no plan is that punctual, plans this close to the most punctual one still qualify. */
const LATE_SHARE_SLACK = 0.005;
const DEFAULT_SERVICE_MS = 20_000;
const ALL_DAY: ScheduleWindow[] = [{ days: [0, 1, 2, 3, 4, 5, 6], startMinute: 0, endMinute: 24 * 60 }];
const WEEKDAYS = [1, 2, 3, 4, 5];
const WEEKEND = [0, 6];
/** While history is young, seen sessions are covered this many slots (1 h) either side. */
const YOUNG_MARGIN_SLOTS = 4;
/** While history is young, the idle stop outside the windows, min. */
const YOUNG_IDLE_MINUTES = 60;
/** The late allowance is taken at this share of 5 % of the expected week, for the estimate's error. */
const LATE_BUDGET_MARGIN = 0.8;
/** Late requests per missed session before any session is seen. */
const DEFAULT_MISS_COST = 3;
const MISS_COST_QUANTILE = 0.9;

/** One local day of history. */
interface Day {
  day: number;
  weekend: boolean;
  startMs: number;
  endMs: number;
  arrivals: number[];
  /** Session starts (arrivals after a quiet cold start) per 15-min slot. */
  sessions: Float64Array;
}

/** Session starts per slot summed over the history's weekdays and weekend days. */
interface Rhythm {
  weekday: Float64Array;
  weekend: Float64Array;
  weekdays: number;
  weekendDays: number;
}

/** Windows for today from the rhythm, or for replaying `leftOut` from the other days. */
type WindowRule = (rhythm: Rhythm, days: readonly Day[], leftOut?: Day) => ScheduleWindow[];

interface Candidate {
  rule: WindowRule;
  idleMs: number;
  why: string;
}

/**
 * The production default. It keeps the arrivals it observes (nothing else: it
 * sees a trace's future no more than the controller does) and at every local
 * midnight replays the last two weeks of them against a family of plans, then
 * runs the cheapest plan whose replay keeps the share of requests over the wait
 * target under 3 % (in whole requests when only queueing makes them late:
 * `wholeLateAllowed`). The family: on demand with idle stops from 0 to 60 min; the
 * configured windows; windows learned from the team's rhythm (the likeliest
 * slots for a session to start, holding 80–99 % of a week's sessions, with and
 * without the configured windows); the envelope of every session seen (first to
 * last, per weekday and weekend) — each with an idle stop outside. Learned
 * windows are replayed on days they were not learned from (leave one day out):
 * a plan is judged as it will be used, on a day it has not seen.
 *
 * Safety: with no history and a target shorter than a cold start it runs the pod
 * through the first day (the configured windows may be in the wrong zone); a pod
 * started for an unforeseen session then stays up ≥ 3 cold starts, as sessions
 * cluster; the allowance shrinks when the waits it actually caused run late. A late
 * budget (the week's late requests against 5 % of its expected ones, in units of what
 * one missed session costs) keeps the pod on for the day after a late request when
 * two more misses would not fit, and runs weekdays always on when one would not.
 */
export function adaptive(settings: PolicySettings): AdaptivePolicy {
  const coldStartMs = settings.coldStartSeconds * 1000;
  const targetMs = settings.waitTargetSeconds * 1000;
  const { timeZone } = settings;
  const arrivals: number[] = [];
  /** Requests started over the replayed days, and whether each waited past the target. */
  const starts: { atMs: number; late: boolean }[] = [];
  let lastStart: number | undefined;
  let sampledStart: number | undefined;
  const serviceSamples: number[] = [];
  let plannedDay: number | undefined;
  let observedSince = Number.POSITIVE_INFINITY;
  let current = defaultPlan();
  let runner = planPolicy(current);
  /** The pod stays on until then (a late request under an `onAfterLate` plan or a nearly spent budget). */
  let onUntilMs = Number.NEGATIVE_INFINITY;
  /** Requests that waited past the target over the last 7 days, and a week's requests expected (set at midnight). */
  let lateWeek = 0;
  let expectedWeek = 0;
  /** Late requests a session costs when it finds the pod stopped (a high quantile over the sessions seen). */
  let missCost = DEFAULT_MISS_COST;
  let lastDays: Day[] = [];
  /** Today's first window opening in the plan (−∞ with none today). */
  let openingMs = Number.NEGATIVE_INFINITY;
  const on = alwaysOn();

  function defaultPlan(): AdaptivePlan {
    if (coldStartMs > targetMs) return { windows: ALL_DAY, idleMs: 0, why: 'no history yet: always on while learning' };
    return { windows: [], idleMs: 0, why: 'no history yet: on demand' };
  }

  function planPolicy(plan: AdaptivePlan): Policy {
    return scheduled('adaptive', plan.windows, timeZone, coldStartMs, plan.idleMs);
  }

  function serviceMs(): number {
    const sorted = [...serviceSamples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? DEFAULT_SERVICE_MS;
  }

  /** Local days from the first one seen for at least half its length up to yesterday. */
  function history(today: number): Day[] {
    const first = Math.min(arrivals[0] ?? Number.POSITIVE_INFINITY, observedSince);
    if (first === Number.POSITIVE_INFINITY) return [];
    const firstSeen = localDayNumber(first, timeZone);
    const halfSeen = first - localDayStartMs(firstSeen, timeZone) <= DAY_MS / 2;
    const days: Day[] = [];
    for (let day = Math.max(halfSeen ? firstSeen : firstSeen + 1, today - HISTORY_DAYS); day < today; day++) {
      days.push({
        day,
        weekend: WEEKEND.includes(weekdayOf(day)),
        startMs: localDayStartMs(day, timeZone),
        endMs: localDayStartMs(day + 1, timeZone),
        arrivals: [],
        sessions: new Float64Array(SLOTS_PER_DAY),
      });
    }
    let index = 0;
    let previous = Number.NEGATIVE_INFINITY;
    for (const at of arrivals) {
      const sessionStart = at - previous > coldStartMs;
      previous = at;
      while (index < days.length && (days[index]?.endMs ?? 0) <= at) index++;
      const d = days[index];
      if (!d) break;
      if (at < d.startMs) continue;
      d.arrivals.push(at);
      // Session starts, not requests, find a stopped pod: follow-ups find it running.
      if (!sessionStart) continue;
      const slot = Math.min(SLOTS_PER_DAY - 1, Math.floor(localTime(at, timeZone).minuteOfDay / SLOT_MINUTES));
      d.sessions[slot] = (d.sessions[slot] ?? 0) + 1;
    }
    return days;
  }

  function candidates(): Candidate[] {
    // When a cold start alone breaks the target, a pod started for an unforeseen session
    // stays up a while: sessions cluster, and each cold start makes several requests late.
    const minIdleMinutes = coldStartMs > targetMs ? (3 * coldStartMs) / MINUTE_MS : 0;
    const idles = (choices: number[]) => {
      const kept = choices.filter((m) => m >= minIdleMinutes);
      return kept.length > 0 ? kept : [minIdleMinutes];
    };
    const configured = settings.windows as ScheduleWindow[];
    const rules: { rule: WindowRule; why: string }[] = [
      { rule: envelopeWindows, why: 'the envelope of sessions seen' },
    ];
    if (configured.length > 0) rules.push({ rule: () => configured, why: 'the configured windows' });
    for (const coverage of COVERAGE) {
      const learned: WindowRule = (rhythm, _days, leftOut) => learnedWindows(rhythm, leftOut, coverage, coldStartMs);
      const why = `learned windows (${Math.round(coverage * 100)} % of sessions)`;
      rules.push({ rule: learned, why });
      if (configured.length > 0)
        rules.push({
          rule: (r, d, left) => [...learned(r, d, left), ...configured],
          why: `${why} and the configured ones`,
        });
    }
    return [
      ...idles(IDLE_MINUTES).map((m) => ({
        rule: () => [],
        idleMs: m * MINUTE_MS,
        why: `on demand, idle stop ${m} min`,
      })),
      ...rules.flatMap(({ rule, why }) =>
        idles(WINDOWED_IDLE_MINUTES).map((m) => ({
          rule,
          idleMs: m * MINUTE_MS,
          why: `${why}, idle stop ${m} min outside`,
        })),
      ),
    ];
  }

  function use(plan: AdaptivePlan): void {
    current = plan;
    runner = planPolicy(plan);
  }

  /** Every session seen, an hour either side, and the configured windows; on for the day after a late request. */
  function youngPlan(rhythm: Rhythm, days: readonly Day[], why: string): AdaptivePlan {
    return {
      windows: [...envelopeWindows(rhythm, days, undefined, YOUNG_MARGIN_SLOTS), ...settings.windows],
      idleMs: YOUNG_IDLE_MINUTES * MINUTE_MS,
      why: `${why}: the configured windows and every session seen, an hour either side`,
      onAfterLate: true,
    };
  }

  /**
   * Another missed session would break this week's p95: on weekdays the pod runs
   * all day; a weekend day, quiet but 24 h long, gets today's plan widened by every
   * session seen (an hour either side) and the pod on for the day after a late request.
   */
  function useSpentPlan(today: number): void {
    const why = `late budget spent (${lateWeek} late this week)`;
    if (!WEEKEND.includes(weekdayOf(today)) || lastDays.length === 0) {
      use({ windows: ALL_DAY, idleMs: 0, why: `${why}: always on` });
      return;
    }
    const wide = youngPlan(rhythmOf(lastDays), lastDays, why);
    use({ ...wide, windows: [...current.windows, ...wide.windows], idleMs: Math.max(current.idleMs, wide.idleMs) });
  }

  function replan(today: number, nowMs: number): void {
    const days = history(today);
    lastDays = days;
    countWeek(nowMs, days);
    if (days.length === 0) {
      use(defaultPlan());
      return;
    }
    const rhythm = rhythmOf(days);
    const weekend = WEEKEND.includes(weekdayOf(today));
    if (coldStartMs > targetMs && days.filter((d) => d.weekend === weekend).length < 2) {
      // One day of today's kind is no sample to judge a plan by (the replay would judge
      // it on the very day it learned from): every session seen, widened, and the
      // configured windows.
      use(youngPlan(rhythm, days, 'little history yet'));
      return;
    }
    const replayed = days.slice(-REPLAY_DAYS);
    const service = serviceMs();
    const jobs = replayed.map((d) => d.arrivals.map((arrivalMs) => ({ arrivalMs, serviceMs: service })));
    const scores = candidates().map((c) => {
      let costMs = 0;
      let lateCount = 0;
      let count = 0;
      replayed.forEach((d, i) => {
        const windows = c.rule(rhythm, days, d);
        const policy = scheduled('replay', windows, timeZone, coldStartMs, c.idleMs);
        const run = runPod(jobs[i] ?? [], policy, {
          coldStartMs,
          slots: settings.slots,
          startMs: d.startMs,
          endMs: d.endMs,
        });
        costMs += run.billedMs;
        count += run.waitsMs.length;
        for (const w of run.waitsMs) if (w > targetMs) lateCount++;
      });
      return { candidate: c, costMs, late: lateCount, lateShare: count === 0 ? 0 : lateCount / count };
    });
    const leastLate = Math.min(...scores.map((s) => s.lateShare));
    const share = allowedLateShare();
    const requests = jobs.reduce((n, day) => n + day.length, 0);
    // When cold starts make requests late, history is a small sample of when sessions
    // start: the allowance is one standard error lower (a 600-s target is late only by queueing).
    const sampled = coldStartMs > targetMs ? share - Math.sqrt(share / Math.max(1, requests)) : share;
    const allowed = Math.max(sampled, leastLate + LATE_SHARE_SLACK);
    const allowedLate = coldStartMs > targetMs ? 0 : wholeLateAllowed(sampled, requests);
    let best: (typeof scores)[number] | undefined;
    for (const s of scores)
      if ((s.lateShare <= allowed || s.late <= allowedLate) && (!best || s.costMs < best.costMs)) best = s;
    if (!best) return;
    current = {
      windows: best.candidate.rule(rhythm, days),
      idleMs: best.candidate.idleMs,
      why: `${best.candidate.why}: cheapest in a replay of ${replayed.length} days (${(best.lateShare * 100).toFixed(1)} % late)`,
    };
    runner = planPolicy(current);
  }

  /**
   * The late count of the last 7 days, a week's expected requests, and what a
   * session costs in late requests when it finds the pod stopped.
   */
  function countWeek(nowMs: number, days: readonly Day[]): void {
    lateWeek = starts.filter((s) => s.late && s.atMs >= nowMs - 7 * DAY_MS).length;
    // A typical week from the whole days seen, by kind (no weekend seen counts as quiet).
    const week = days.slice(-7);
    const mean = (weekend: boolean) => {
      const kind = week.filter((d) => d.weekend === weekend);
      return kind.length === 0 ? 0 : kind.reduce((n, d) => n + d.arrivals.length, 0) / kind.length;
    };
    expectedWeek = week.length === 0 ? Number.NaN : 5 * mean(false) + 2 * mean(true);
    // A session that finds the pod stopped is late for what arrives before the boot is
    // within the target of ready: its first request and the follow-ups of the first
    // cold start − target. The next miss may be a bad one: a high quantile, not the mean.
    const costs: number[] = [];
    for (let i = 0; i < arrivals.length; i++) {
      const at = arrivals[i] ?? 0;
      if (at - (arrivals[i - 1] ?? Number.NEGATIVE_INFINITY) <= coldStartMs) continue;
      let late = 0;
      for (let j = i; j < arrivals.length && (arrivals[j] ?? 0) < at + coldStartMs - targetMs; j++) late++;
      costs.push(late);
    }
    costs.sort((a, b) => a - b);
    missCost = costs.length > 0 ? (costs[Math.floor(MISS_COST_QUANTILE * (costs.length - 1))] ?? 1) : DEFAULT_MISS_COST;
  }

  /**
   * How many more sessions may find the pod stopped this week: a missed session is
   * late as a whole (its follow-ups arrive while the pod boots), and the week's
   * allowance is 5 % of its requests, taken at 80 % for the estimate's error.
   */
  function sessionsLeft(): number {
    if (lateWeek === 0 || !(expectedWeek > 0)) return Number.POSITIVE_INFINITY;
    return (LATE_BUDGET_MARGIN * LATE_SHARE_TARGET * expectedWeek - lateWeek) / missCost;
  }

  /**
   * The planned late share, lowered by as much as the requests it actually started
   * lately ran over 5 % late, beyond one standard error: a day or two of requests is a
   * small sample (one late request in 41 is 2.4 points), and reading noise as a
   * broken target buys a day of idling for one request.
   */
  function allowedLateShare(): number {
    if (starts.length < 20) return LATE_SHARE_PLANNED;
    const actual = starts.filter((s) => s.late).length / starts.length;
    const noise = Math.sqrt((LATE_SHARE_TARGET * (1 - LATE_SHARE_TARGET)) / starts.length);
    return Math.max(0, LATE_SHARE_PLANNED - Math.max(0, actual - LATE_SHARE_TARGET - noise));
  }

  return {
    name: 'adaptive',
    plan: () => current,
    observe(event) {
      if (event.type === 'start') {
        const late = event.atMs - event.arrivalMs > targetMs;
        starts.push({ atMs: event.atMs, late });
        if (late) lateWeek++;
        while ((starts[0]?.atMs ?? event.atMs) < event.atMs - REPLAY_DAYS * DAY_MS) starts.shift();
        lastStart = event.atMs;
        return;
      }
      let i = arrivals.length;
      while (i > 0 && (arrivals[i - 1] ?? 0) > event.atMs) i--;
      arrivals.splice(i, 0, event.atMs);
      const oldest = event.atMs - (HISTORY_DAYS + 1) * DAY_MS;
      let drop = 0;
      while (drop < arrivals.length && (arrivals[drop] ?? 0) < oldest) drop++;
      if (drop > 0) arrivals.splice(0, drop);
    },
    decide(view) {
      observedSince = Math.min(observedSince, view.nowMs);
      // A request's service time: from the latest start to the pod next going idle.
      if (
        view.running === 0 &&
        view.lastActivityMs !== undefined &&
        lastStart !== undefined &&
        sampledStart !== lastStart
      ) {
        sampledStart = lastStart;
        if (view.lastActivityMs > lastStart) {
          serviceSamples.push(view.lastActivityMs - lastStart);
          if (serviceSamples.length > 50) serviceSamples.shift();
        }
      }
      const today = localDayNumber(view.nowMs, timeZone);
      if (today !== plannedDay) {
        plannedDay = today;
        replan(today, view.nowMs);
        if (coldStartMs > targetMs && sessionsLeft() < 1) useSpentPlan(today);
        const dayStart = localDayStartMs(today, timeZone);
        const opening = windowIntervals(dayStart, localDayStartMs(today + 1, timeZone), current.windows, timeZone)
          .map(([from]) => from)
          .filter((from) => from >= dayStart);
        openingMs = opening.length > 0 ? Math.min(...opening) : Number.NEGATIVE_INFINITY;
        onUntilMs = Number.NEGATIVE_INFINITY;
      }
      const midnight = localDayStartMs(today + 1, timeZone);
      // A request that finds the pod stopped is late: under a young plan (or with one more
      // miss left in the week's allowance) the pod stays on until midnight, as sessions
      // cluster. Shortly before today's windows open, the pod idles into them anyway.
      const idlesIntoWindows = view.nowMs < openingMs && view.nowMs >= openingMs - coldStartMs - current.idleMs;
      const cautious = coldStartMs > targetMs && sessionsLeft() < 2;
      if (
        (current.onAfterLate || cautious) &&
        view.pod === 'stopped' &&
        view.waiting.length > 0 &&
        (cautious || !idlesIntoWindows)
      )
        onUntilMs = midnight;
      const decision = view.nowMs < onUntilMs ? on.decide(view) : runner.decide(view);
      return { ...decision, recheckAtMs: Math.min(decision.recheckAtMs ?? Number.POSITIVE_INFINITY, midnight) };
    },
  };
}

/**
 * Late requests a replay of `requests` may show under a planned late `share`, when only
 * queueing makes requests late (a target a cold start meets). Late requests come whole:
 * at 57 requests one is 1.75 points, so a 3 % cap (1.71 requests) read as a share rejects
 * every plan showing 2 late, and an idle stop ten times as long wins for one request of
 * chance. The cap is counted in requests, rounded up to the next whole one (⌊share × n⌋ + 1),
 * and never past what the p95 itself allows (⌊5 % × n⌋). Not when cold starts make requests
 * late: that allowance is set a standard error under the share, for the sessions history
 * did not show, and rounding it up gives the margin back (at 120 s it left two more of 132
 * traces with no late request to spare).
 */
function wholeLateAllowed(share: number, requests: number): number {
  return Math.min(Math.floor(share * requests) + 1, Math.floor(LATE_SHARE_TARGET * requests));
}

/** 0 = Sunday for a local day number (1970-01-01 was a Thursday). */
function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

function rhythmOf(days: readonly Day[]): Rhythm {
  const rhythm = {
    weekday: new Float64Array(SLOTS_PER_DAY),
    weekend: new Float64Array(SLOTS_PER_DAY),
    weekdays: 0,
    weekendDays: 0,
  };
  for (const d of days) {
    const into = d.weekend ? rhythm.weekend : rhythm.weekday;
    for (let s = 0; s < SLOTS_PER_DAY; s++) into[s] = (into[s] ?? 0) + (d.sessions[s] ?? 0);
    if (d.weekend) rhythm.weekendDays++;
    else rhythm.weekdays++;
  }
  return rhythm;
}

/** Smoothed session starts per slot on a typical day of one kind, without `leftOut`. */
function sessionRates(rhythm: Rhythm, weekend: boolean, leftOut?: Day): Float64Array {
  const out = new Float64Array(SLOTS_PER_DAY);
  const minus = leftOut && leftOut.weekend === weekend ? leftOut.sessions : undefined;
  const n = (weekend ? rhythm.weekendDays : rhythm.weekdays) - (minus ? 1 : 0);
  if (n <= 0) return out;
  const sums = weekend ? rhythm.weekend : rhythm.weekday;
  for (let s = 0; s < SLOTS_PER_DAY; s++) {
    let sum = 0;
    let weight = 0;
    for (let k = -SMOOTH_SLOTS; k <= SMOOTH_SLOTS; k++) {
      const j = s + k;
      if (j < 0 || j >= SLOTS_PER_DAY) continue;
      const w = SMOOTH_SLOTS + 1 - Math.abs(k);
      sum += w * ((sums[j] ?? 0) - (minus?.[j] ?? 0));
      weight += w;
    }
    out[s] = sum / weight / n;
  }
  return out;
}

/**
 * Windows over the likeliest slots for a session to start, holding `coverage` of
 * a typical week's sessions (weekdays count five times, weekend days twice);
 * gaps no longer than a cold start are bridged, as a reboot costs as much.
 */
function learnedWindows(
  rhythm: Rhythm,
  leftOut: Day | undefined,
  coverage: number,
  coldStartMs: number,
): ScheduleWindow[] {
  const kinds = [
    { days: WEEKDAYS, rates: sessionRates(rhythm, false, leftOut), perWeek: 5 },
    { days: WEEKEND, rates: sessionRates(rhythm, true, leftOut), perWeek: 2 },
  ];
  const slots = kinds.flatMap((k, kind) =>
    Array.from(k.rates, (rate, slot) => ({ kind, slot, mass: rate * k.perWeek })),
  );
  const total = slots.reduce((sum, s) => sum + s.mass, 0);
  if (total === 0) return [];
  slots.sort((a, b) => b.mass - a.mass);
  const hot = kinds.map(() => new Uint8Array(SLOTS_PER_DAY));
  let covered = 0;
  for (const s of slots) {
    if (covered >= coverage * total || s.mass === 0) break;
    (hot[s.kind] as Uint8Array)[s.slot] = 1;
    covered += s.mass;
  }
  const bridge = Math.floor(coldStartMs / (SLOT_MINUTES * MINUTE_MS));
  return kinds.flatMap((k, kind) =>
    runsOf(hot[kind] as Uint8Array, bridge).map(([from, to]) => windowOf(k.days, from, to)),
  );
}

/** Each kind of day's window from its earliest to its latest session start seen, `marginSlots` either side. */
function envelopeWindows(_rhythm: Rhythm, days: readonly Day[], leftOut?: Day, marginSlots = 1): ScheduleWindow[] {
  return [false, true].flatMap((weekend) => {
    let first = SLOTS_PER_DAY;
    let last = -1;
    for (const d of days) {
      if (d === leftOut || d.weekend !== weekend) continue;
      const slots = [...d.sessions.keys()].filter((s) => (d.sessions[s] ?? 0) > 0);
      if (slots.length === 0) continue;
      first = Math.min(first, slots[0] ?? first);
      last = Math.max(last, slots[slots.length - 1] ?? last);
    }
    if (last < 0) return [];
    const from = Math.max(0, first - marginSlots);
    return [windowOf(weekend ? WEEKEND : WEEKDAYS, from, Math.min(SLOTS_PER_DAY, last + 1 + marginSlots))];
  });
}

/** [from, to) slot runs of set flags, merging runs separated by at most `bridge` slots. */
function runsOf(flags: Uint8Array, bridge: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let s = 0; s < flags.length; s++) {
    if (!flags[s]) continue;
    const last = runs[runs.length - 1];
    if (last && s - last[1] <= bridge) last[1] = s + 1;
    else runs.push([s, s + 1]);
  }
  return runs;
}

function windowOf(days: number[], fromSlot: number, toSlot: number): ScheduleWindow {
  return { days, startMinute: fromSlot * SLOT_MINUTES, endMinute: toSlot * SLOT_MINUTES };
}
