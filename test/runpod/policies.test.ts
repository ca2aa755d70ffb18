import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { type AdaptivePolicy, adaptive, createPolicy, FIXED_POLICIES } from '../../src/runpod/policies.ts';
import type { Policy, PolicyDecision, PolicySettings, PolicyView } from '../../src/runpod/policy.ts';
import { localDayNumber, localDayStartMs, parseWindows } from '../../src/runpod/schedule.ts';
import { type SimulationSettings, simulate } from '../../src/runpod/simulate.ts';
import { comparePolicies } from '../../src/runpod/simulate-cli.ts';
import { generateTrace, type TraceOptions, type TraceRequest } from '../../src/runpod/trace.ts';

const BERLIN = 'Europe/Berlin';
const settings = (over: Partial<PolicySettings> = {}): PolicySettings => ({
  coldStartSeconds: 600,
  waitTargetSeconds: 600,
  windows: parseWindows('Mon-Fri 09:00-18:00'),
  timeZone: BERLIN,
  slots: 1,
  ...over,
});
const POD: SimulationSettings = {
  pricePerHourUsd: 6.58,
  coldStartSeconds: 600,
  promptTokensPerSec: 650,
  decodeTokensPerSec: 50,
  slots: 1,
  waitTargetSeconds: 600,
};
const T = Date.parse('2026-11-23T10:00:00Z'); // Monday 11:00 in Berlin

function view(over: Partial<PolicyView> = {}): PolicyView {
  return { nowMs: T, pod: 'stopped', podSinceMs: T - 3_600_000, waiting: [], running: 0, ...over };
}

describe('createPolicy', () => {
  it.each([...FIXED_POLICIES, 'adaptive', 'idle-stop-0m', 'idle-stop-0.1m', 'idle-stop-2.5m'])(
    'GIVEN %s THEN a policy of that name',
    (name) => {
      expect(createPolicy(name, settings()).name).toBe(name);
    },
  );

  it.each(['idle-stop', 'idle-stop-m', 'idle-stop--1m', 'idle-stop-5', 'always', ''])(
    'GIVEN %j THEN a UserError listing the valid names',
    (name) => {
      expect(() => createPolicy(name, settings())).toThrow(UserError);
      expect(() => createPolicy(name, settings())).toThrow(
        /always-on[\s\S]*idle-stop-<N>m[\s\S]*windows[\s\S]*adaptive/,
      );
    },
  );

  it('GIVEN a bad time zone for a schedule-aware policy THEN a UserError', () => {
    expect(() => createPolicy('windows', settings({ timeZone: 'Berlin' }))).toThrow(/unknown time zone/);
  });
});

describe('always-on', () => {
  const p = createPolicy('always-on', settings());
  it.each([
    [view(), 'start'],
    [view({ pod: 'booting' }), 'keep'],
    [view({ pod: 'ready', lastActivityMs: T - 86_400_000 }), 'keep'],
  ] as const)('GIVEN %o THEN %s', (v, action) => {
    expect(p.decide(v).action).toBe(action);
  });
});

describe('idle-stop-<N>m', () => {
  it('GIVEN N = 0.1 min THEN the pod stops 6 s after its last activity, and says when to look again', () => {
    const p = createPolicy('idle-stop-0.1m', settings());
    const ready = (nowMs: number) => view({ nowMs, pod: 'ready', podSinceMs: T - 60_000, lastActivityMs: T });
    expect(p.decide(ready(T + 5_999))).toMatchObject({ action: 'keep', recheckAtMs: T + 6_000 });
    expect(p.decide(ready(T + 6_000))).toMatchObject({ action: 'stop' });
  });

  it.each([
    [view(), 'keep'],
    [view({ waiting: [T - 1000] }), 'start'],
    [view({ pod: 'booting', waiting: [T - 1000] }), 'keep'],
    [view({ pod: 'ready', running: 1, lastActivityMs: T - 3_600_000 }), 'keep'],
    [view({ pod: 'ready', waiting: [T], lastActivityMs: T - 3_600_000 }), 'keep'],
    [view({ pod: 'ready', podSinceMs: T - 3_600_000 }), 'stop'],
  ] as const)('GIVEN idle-stop-2.5m and %o THEN %s', (v, action) => {
    expect(createPolicy('idle-stop-2.5m', settings()).decide(v).action).toBe(action);
  });

  it('GIVEN idle-stop-2.5m in the simulator THEN one request costs a boot, its service and 150 s of idle', () => {
    const request: TraceRequest = {
      atMs: T,
      team: 't',
      user: 'u',
      route: 'maverick',
      promptTokens: 0,
      completionTokens: 1000,
    };
    const r = simulate([request], createPolicy('idle-stop-2.5m', settings()), POD);
    expect(r.billedHours * 3600).toBeCloseTo(600 + 20 + 150, 6);
  });
});

describe('windows', () => {
  const p = createPolicy('windows', settings());
  const berlin = (iso: string) => Date.parse(iso);

  it.each([
    ['Monday 08:49:59', '2026-11-23T07:49:59Z', 'keep'],
    ['Monday 08:50, a cold start before opening', '2026-11-23T07:50:00Z', 'start'],
    ['Monday 12:00', '2026-11-23T11:00:00Z', 'start'],
    ['Saturday 12:00', '2026-11-28T11:00:00Z', 'keep'],
  ] as const)('GIVEN a stopped pod on %s THEN %s', (_, iso, action) => {
    expect(p.decide(view({ nowMs: berlin(iso) })).action).toBe(action);
  });

  it('GIVEN a stopped pod on Sunday evening THEN it asks again at Monday 08:50', () => {
    expect(p.decide(view({ nowMs: berlin('2026-11-22T20:00:00Z') })).recheckAtMs).toBe(berlin('2026-11-23T07:50:00Z'));
  });

  it('GIVEN a ready idle pod inside a window THEN it keeps it until the window ends', () => {
    const d = p.decide(
      view({ nowMs: berlin('2026-11-23T11:00:00Z'), pod: 'ready', lastActivityMs: berlin('2026-11-23T08:00:00Z') }),
    );
    expect(d).toMatchObject({ action: 'keep', recheckAtMs: berlin('2026-11-23T17:00:00Z') });
  });

  it('GIVEN a ready pod after the window THEN it stops after a cold start of idle', () => {
    const lastActivityMs = berlin('2026-11-23T17:05:00Z');
    const at = (iso: string) => p.decide(view({ nowMs: berlin(iso), pod: 'ready', lastActivityMs }));
    expect(at('2026-11-23T17:14:59Z').action).toBe('keep');
    expect(at('2026-11-23T17:15:00Z').action).toBe('stop');
  });

  it('GIVEN the spring-forward Sunday THEN a daily 09:00 window is pre-warmed at 08:50 CEST (06:50Z)', () => {
    const daily = createPolicy('windows', settings({ windows: parseWindows('Mon-Sun 09:00-18:00') }));
    expect(daily.decide(view({ nowMs: berlin('2026-03-29T06:49:00Z') })).action).toBe('keep');
    expect(daily.decide(view({ nowMs: berlin('2026-03-29T06:50:00Z') })).action).toBe('start');
  });
});

/** Records every decision a policy makes, with the time it made it. */
function recorded(policy: Policy): { policy: Policy; log: [number, PolicyDecision][] } {
  const log: [number, PolicyDecision][] = [];
  return {
    log,
    policy: {
      name: policy.name,
      observe: (e) => policy.observe(e),
      decide: (v) => {
        const d = policy.decide(v);
        log.push([v.nowMs, d]);
        return d;
      },
    },
  };
}

/**
 * Adaptive at a 600-s target run over a generated Berlin week up to the local midnight that starts `day`
 * (YYYY-MM-DD), then re-planned there: the policy and the simulation of the days before.
 */
function replanAt(trace: { seed: number; teamSize: number }, day: string) {
  const midnight = localDayStartMs(localDayNumber(Date.parse(`${day}T12:00:00Z`), BERLIN), BERLIN);
  const p = adaptive(settings());
  const before = simulate(
    generateTrace(trace).filter((r) => r.atMs < midnight),
    p,
    POD,
  );
  p.decide(view({ nowMs: midnight }));
  return { p, before };
}

describe('adaptive', () => {
  it('GIVEN no history and a target a cold start can meet THEN it starts on demand and stops when idle', () => {
    const p = adaptive(settings());
    expect(p.decide(view()).action).toBe('keep');
    expect(p.decide(view({ waiting: [T] })).action).toBe('start');
    expect(p.plan().why).toMatch(/no history/);
  });

  it('GIVEN no history and a target shorter than a cold start THEN it runs the pod while it learns', () => {
    const p = adaptive(settings({ waitTargetSeconds: 120 }));
    expect(p.decide(view()).action).toBe('start');
    expect(p.decide(view({ pod: 'ready', lastActivityMs: T - 7_200_000 })).action).toBe('keep');
  });

  it('GIVEN any decision THEN it asks again by the next local midnight, when it re-plans', () => {
    const d = adaptive(settings()).decide(view());
    expect(d.recheckAtMs).toBe(localDayStartMs(localDayNumber(T, BERLIN) + 1, BERLIN));
  });

  it.each([600, 120])(
    'GIVEN a target of %i s THEN decisions on a prefix of a trace are the same whatever follows: it never peeks',
    (target) => {
      const trace = generateTrace({ seed: 11, teamSize: 5, weeks: 2 });
      const cut = trace.findIndex((r) => r.atMs > (trace[0]?.atMs ?? 0) + 9 * 86_400_000);
      const cutMs = trace[cut]?.atMs ?? 0;
      const full = recorded(adaptive(settings({ waitTargetSeconds: target })));
      const prefix = recorded(adaptive(settings({ waitTargetSeconds: target })));
      const sim = { ...POD, waitTargetSeconds: target };
      simulate(trace, full.policy, sim);
      // The same first nine days, then a different future: a burst of requests at night.
      const otherFuture = trace.slice(0, cut).concat(
        Array.from({ length: 40 }, (_, i) => ({
          ...(trace[cut] as TraceRequest),
          atMs: cutMs + 3_600_000 * 14 + i * 60_000,
        })),
      );
      simulate(otherFuture, prefix.policy, sim);
      const before = (log: [number, PolicyDecision][]) => log.filter(([at]) => at < cutMs);
      expect(before(prefix.log).length).toBeGreaterThan(100);
      expect(before(prefix.log)).toEqual(before(full.log));
    },
  );

  it('GIVEN a week of history THEN it meets a 120-s target the next week, with no always-on day to learn', () => {
    const weeks = generateTrace({ seed: 5, teamSize: 5, weeks: 2 });
    const split = (weeks[0]?.atMs ?? 0) + 7 * 86_400_000;
    const second = weeks.filter((r) => r.atMs >= split);
    const monday = second.filter((r) => r.atMs < split + 86_400_000);
    const sim = { ...POD, waitTargetSeconds: 120 };
    const warm = () => {
      const p = adaptive(settings({ waitTargetSeconds: 120 }));
      // As the controller does on start-up: the stored arrivals first.
      for (const r of weeks) if (r.atMs < split) p.observe({ type: 'arrival', atMs: r.atMs });
      return p;
    };
    const learned = warm();
    expect(simulate(second, learned, sim).metTarget).toBe(true);
    expect(learned.plan().why).toMatch(/cheapest in a replay of 13 days/);
    const cold = simulate(monday, adaptive(settings({ waitTargetSeconds: 120 })), sim);
    expect(simulate(monday, warm(), sim).spendUsd).toBeLessThan(0.9 * cold.spendUsd);
  });

  it('GIVEN a young plan and a request that finds the pod stopped after the windows THEN the pod stays on until midnight', () => {
    const p = adaptive(settings({ waitTargetSeconds: 120 }));
    const monday = Date.parse('2026-11-23T00:00:00Z'); // 01:00 in Berlin
    p.decide(view({ nowMs: monday }));
    for (const hour of [9, 11, 14, 16]) p.observe({ type: 'arrival', atMs: monday + hour * 3_600_000 });
    const tuesdayEvening = Date.parse('2026-11-24T20:00:00Z'); // 21:00 in Berlin
    expect(p.decide(view({ nowMs: tuesdayEvening, waiting: [tuesdayEvening] })).action).toBe('start');
    expect(p.plan()).toMatchObject({ onAfterLate: true });
    // Idle for two hours: a young plan's idle stop (60 min) would have stopped it.
    const later = view({ nowMs: tuesdayEvening + 7_200_000, pod: 'ready', lastActivityMs: tuesdayEvening + 700_000 });
    expect(p.decide(later)).toMatchObject({ action: 'keep', reason: 'always on' });
  });

  it('GIVEN the week’s late allowance nearly spent THEN the next weekday runs always on', () => {
    const trace = generateTrace({ seed: 5, teamSize: 3 });
    const thursday = localDayStartMs(localDayNumber(Date.parse('2026-11-19T12:00:00Z'), BERLIN), BERLIN);
    const warm = (lateStarts: number) => {
      const p = adaptive(settings({ waitTargetSeconds: 120 }));
      p.decide(view({ nowMs: Date.parse('2026-11-16T00:00:00Z') }));
      for (const r of trace) if (r.atMs < thursday) p.observe({ type: 'arrival', atMs: r.atMs });
      for (let i = 0; i < lateStarts; i++)
        p.observe({ type: 'start', arrivalMs: thursday - 3_600_000, atMs: thursday - 3_600_000 + 600_000 });
      return p;
    };
    const night = view({ nowMs: thursday + 3 * 3_600_000 });
    expect(warm(0).decide(night).action).toBe('keep');
    const spent = warm(4);
    expect(spent.decide(night).action).toBe('start');
    expect(spent.plan().why).toMatch(/late budget spent \(4 late this week\): always on/);
  });

  it('GIVEN a first day with 3 of 41 requests late by queueing, at 600 s THEN the next day is not bought with an hour of idling', () => {
    // 8 people, seed 6: 7.3 % late on a 41-request Monday is within the noise of 5 %. Read
    // as a broken target it left one late request in the replay too many for every plan
    // but an idle stop of 60 min, and Tuesday cost 9.2 pod-hours where idle-stop-2m took 3.9.
    const { p, before } = replanAt({ seed: 6, teamSize: 8 }, '2026-11-17');
    expect([before.requests, before.lateRequests]).toEqual([41, 3]);
    expect(p.plan().idleMs).toBeLessThanOrEqual(2 * 60_000);
  });

  it('GIVEN a replay with 2 of 57 requests late by queueing, at 600 s THEN the 3 % cap counts whole requests', () => {
    // 3 people, seed 7: by Thursday every idle stop up to 10 min shows 2 late of 57 (3.5 %),
    // one request over a 3 % cap of 1.71. Read as a share it picked an idle stop of 20 min
    // for the rest of the week (1.21x idle-stop-2m), where only 1 request was ever late.
    const { p, before } = replanAt({ seed: 7, teamSize: 3 }, '2026-11-19');
    expect([before.requests, before.lateRequests]).toEqual([57, 1]);
    expect(p.plan().why).toMatch(/replay of 3 days \(3\.5 % late\)/);
    expect(p.plan().idleMs).toBeLessThanOrEqual(2 * 60_000);
  });

  it('GIVEN the zone is left at UTC for a team in New York THEN it still learns the team’s hours', () => {
    const trace = generateTrace({ seed: 1, teamSize: 5, timeZone: 'America/New_York', weeks: 2 });
    const p = adaptive(settings({ waitTargetSeconds: 120, timeZone: 'UTC' })) as AdaptivePolicy;
    const r = simulate(trace, p, { ...POD, waitTargetSeconds: 120 });
    expect(r.metTarget).toBe(true);
    // New York's working day is 14:00–23:00 UTC: the plan is ready then, not at the configured 09:00 UTC.
    expect(p.plan().windows.some((w) => w.startMinute <= 14 * 60 && w.endMinute >= 21 * 60)).toBe(true);
  });
});

/**
 * The goal, as a regression: adaptive meets the target, and its cost against the
 * cheapest fixed policy meeting it. Where the goal (≤ 0.85×) is out of reach on
 * these traces — at 600 s idle-stop-2m's boots already batch each session; at 120 s
 * with the windows matching the team — the bound is what adaptive achieves today
 * (docs/BENCHMARKS.md has the figures and the reasons). The 120-s cases include
 * small teams where one more missed session breaks the p95 (3 people seed 4, 6
 * people seed 4) and a team whose zone was left at UTC.
 */
describe('adaptive against the fixed policies', () => {
  it.each([
    // team size, seed, target, bound on adaptive ÷ cheapest fixed meeting the target
    [3, 1, 600, 0.95],
    [6, 2, 600, 0.95],
    [6, 5, 600, 0.95],
    [3, 2, 120, 0.85],
    [3, 3, 120, 0.85],
    [6, 3, 120, 0.85],
    [6, 5, 120, 0.85],
    [3, 4, 120, 0.85],
    [6, 4, 120, 0.85],
    [6, 1, 120, 1.4],
  ])(
    'GIVEN %i people, seed %i, target %i s THEN adaptive meets it at ≤ %f× the cheapest fixed policy',
    (teamSize, seed, target, bound) => {
      expectGoal({ seed, teamSize }, settings({ waitTargetSeconds: target }), bound);
    },
  );

  it('GIVEN a team in New York with the zone left at UTC, target 120 s THEN adaptive meets it at ≤ 0.85× always-on', () => {
    expectGoal(
      { seed: 3, teamSize: 5, timeZone: 'America/New_York' },
      settings({ waitTargetSeconds: 120, timeZone: 'UTC' }),
      0.85,
    );
  });

  function expectGoal(options: TraceOptions, s: PolicySettings, bound: number): void {
    const target = s.waitTargetSeconds;
    const c = comparePolicies(
      generateTrace(options),
      { ...POD, waitTargetSeconds: target },
      [...FIXED_POLICIES, 'adaptive'].map((name) => createPolicy(name, s)),
    );
    const result = c.results.find((r) => r.result.policy === 'adaptive')?.result;
    expect(result?.metTarget).toBe(true);
    expect((result?.spendUsd ?? 0) / (c.cheapestFixed?.spendUsd ?? 0)).toBeLessThanOrEqual(bound);
    expect(result?.waitSeconds.max).toBeLessThanOrEqual(3 * Math.max(target, 600));
  }
});
