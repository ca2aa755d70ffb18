import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { alwaysOn, createPolicy, idleStop } from '../../src/runpod/policies.ts';
import type { Policy } from '../../src/runpod/policy.ts';
import { parseWindows } from '../../src/runpod/schedule.ts';
import { clairvoyantMs, HORIZON_TAIL_MS, nearestRank, runPod, simulate } from '../../src/runpod/simulate.ts';
import { type SimulationDefaults, simulateCli } from '../../src/runpod/simulate-cli.ts';
import { generateTrace, type TraceRequest, toJsonl } from '../../src/runpod/trace.ts';

/** $6 an hour is a dime a minute: easy sums. 1000 completion tokens at 50 tok/s = 20 s of service. */
const SETTINGS = {
  pricePerHourUsd: 6,
  coldStartSeconds: 600,
  promptTokensPerSec: 1000,
  decodeTokensPerSec: 50,
  slots: 1,
  waitTargetSeconds: 600,
};
const T0 = Date.parse('2026-11-23T10:00:00Z');

function request(offsetSeconds: number, completionTokens = 1000, route = 'maverick'): TraceRequest {
  return { atMs: T0 + offsetSeconds * 1000, team: 't', user: 'u', route, promptTokens: 0, completionTokens };
}

const usd = (seconds: number) => (seconds / 3600) * SETTINGS.pricePerHourUsd;

describe('simulate: hand-computed cases', () => {
  const twoRequests = [request(0), request(180)];

  it('GIVEN two requests 3 min apart and idle-stop-0m THEN one boot serves both: 600 s boot + 40 s busy', () => {
    const r = simulate(twoRequests, idleStop(0), SETTINGS);
    // Start at 0, ready at 600: the first waits 600 s, the second (at 180) runs after it at 620: 440 s.
    expect(r.podStarts).toBe(1);
    expect(r.billedHours * 3600).toBeCloseTo(640, 6);
    expect(r.bootHours * 3600).toBeCloseTo(600, 6);
    expect(r.busyHours * 3600).toBeCloseTo(40, 6);
    expect(r.idleHours * 3600).toBeCloseTo(0, 6);
    expect(r.spendUsd).toBeCloseTo(usd(640), 10);
    expect(r.busyUsd).toBeCloseTo(usd(40), 10);
    expect(r.waitSeconds).toEqual({ p50: 440, p95: 600, max: 600 });
    expect(r.metTarget).toBe(true);
    expect(r.lateRequests).toBe(0);
  });

  it('GIVEN the same two requests THEN clairvoyant boots 600 s ahead and idles the 160-s gap: 800 s', () => {
    const r = simulate(twoRequests, idleStop(0), SETTINGS);
    expect(r.clairvoyantUsd).toBeCloseTo(usd(600 + 200), 10);
  });

  it('GIVEN two requests 20 min apart THEN clairvoyant boots twice: 2 × (600 + 20) s', () => {
    expect(simulate([request(0), request(1200)], idleStop(0), SETTINGS).clairvoyantUsd).toBeCloseTo(usd(1240), 10);
    // A gap exactly one cold start long is bridged: idling it costs no more than a reboot.
    expect(simulate([request(0), request(620)], idleStop(0), SETTINGS).clairvoyantUsd).toBeCloseTo(usd(1240), 10);
  });

  it('GIVEN always-on THEN it is ready for the first request and pays the whole horizon, which alwaysOnUsd prices', () => {
    const r = simulate(twoRequests, alwaysOn(), SETTINGS);
    const horizonSeconds = 600 + 180 + 600 + HORIZON_TAIL_MS / 1000;
    expect(r.waitSeconds).toEqual({ p50: 0, p95: 0, max: 0 });
    expect(r.spendUsd).toBeCloseTo(usd(horizonSeconds), 10);
    expect(r.alwaysOnUsd).toBeCloseTo(usd(horizonSeconds), 10);
    expect(simulate(twoRequests, idleStop(0), SETTINGS).alwaysOnUsd).toBeCloseTo(r.alwaysOnUsd, 10);
  });

  it('GIVEN idle-stop-5m THEN the pod idles 300 s after the last request before stopping', () => {
    const r = simulate(twoRequests, idleStop(5 * 60_000), SETTINGS);
    expect(r.billedHours * 3600).toBeCloseTo(940, 6);
    expect(r.idleHours * 3600).toBeCloseTo(300, 6);
  });

  it('GIVEN a 120-s target THEN a cold start makes both requests late and the target is missed', () => {
    const r = simulate(twoRequests, idleStop(0), { ...SETTINGS, waitTargetSeconds: 120 });
    expect(r.lateRequests).toBe(2);
    expect(r.metTarget).toBe(false);
  });

  it('GIVEN two slots and overlapping requests THEN busy time is the union, not the sum', () => {
    const r = simulate([request(0, 1000), request(5, 2000)], alwaysOn(), { ...SETTINGS, slots: 2 });
    // [0, 20] and [5, 45] overlap: 45 s busy, not 60.
    expect(r.busyHours * 3600).toBeCloseTo(45, 6);
    expect(r.waitSeconds.max).toBe(0);
  });

  it('GIVEN one slot and simultaneous requests THEN the second waits for the first', () => {
    const r = simulate([request(0), request(0)], alwaysOn(), SETTINGS);
    expect(r.waitSeconds).toEqual({ p50: 0, p95: 20, max: 20 });
  });

  it('GIVEN requests on other routes THEN the pod never sees them', () => {
    const r = simulate([request(0), request(60, 1000, 'scout')], idleStop(0), SETTINGS);
    expect(r.requests).toBe(1);
    expect(r.busyHours * 3600).toBeCloseTo(20, 6);
  });

  it('GIVEN the windows policy and a request at the opening THEN it was started a cold start ahead: no wait', () => {
    const monday9 = Date.parse('2026-11-23T08:00:00Z'); // 09:00 in Berlin
    const policy = createPolicy('windows', {
      coldStartSeconds: 600,
      waitTargetSeconds: 120,
      windows: parseWindows('Mon-Fri 09:00-18:00'),
      timeZone: 'Europe/Berlin',
      slots: 1,
    });
    const r = simulate([{ ...request(0), atMs: monday9 }], policy, SETTINGS);
    expect(r.waitSeconds.max).toBe(0);
    expect(r.podStarts).toBe(1);
  });

  it('GIVEN a policy that stops while a request runs THEN the driver keeps the pod until it ends', () => {
    const stopper: Policy = {
      name: 'stopper',
      observe() {},
      decide: (v) =>
        v.pod === 'stopped' && v.waiting.length > 0 ? { action: 'start', reason: '' } : { action: 'stop', reason: '' },
    };
    const r = simulate([request(0)], stopper, SETTINGS);
    expect(r.busyHours * 3600).toBeCloseTo(20, 6);
    expect(r.billedHours * 3600).toBeCloseTo(620, 6);
  });

  it('GIVEN a policy that never starts the pod THEN the simulation fails loudly', () => {
    const never: Policy = { name: 'never', observe() {}, decide: () => ({ action: 'keep', reason: '' }) };
    expect(() => simulate([request(0)], never, SETTINGS)).toThrow(/left 1 requests unserved/);
  });

  it('GIVEN waits THEN percentiles are nearest-rank', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(nearestRank(sorted, 0.5)).toBe(10);
    expect(nearestRank(sorted, 0.95)).toBe(19);
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(nearestRank([], 0.95)).toBe(0);
  });

  it('GIVEN the driver THEN the policy sees arrivals and starts in order, and views that match the pod', () => {
    const events: string[] = [];
    const spy: Policy = {
      name: 'spy',
      observe: (e) => {
        events.push(e.type === 'arrival' ? `arrival ${e.atMs}` : `start ${e.arrivalMs}@${e.atMs}`);
      },
      decide: (v) => {
        events.push(
          `${v.pod} w${v.waiting.length} r${v.running}${v.lastActivityMs === undefined ? '' : ` a${v.lastActivityMs}`}`,
        );
        return v.pod === 'stopped' && v.waiting.length > 0
          ? { action: 'start', reason: '' }
          : { action: 'keep', reason: '' };
      },
    };
    runPod([{ arrivalMs: 1000, serviceMs: 50 }], spy, { coldStartMs: 100, slots: 1, startMs: 0, endMs: 1000 });
    expect(events).toEqual([
      'stopped w0 r0',
      'arrival 1000',
      'stopped w1 r0',
      'start 1000@1100',
      'ready w0 r1 a1100',
      'ready w0 r0 a1150',
    ]);
  });
});

describe('simulate: invariants', () => {
  const arrivals = fc.array(fc.integer({ min: 0, max: 6 * 3600 }), { minLength: 1, maxLength: 40 });

  it('GIVEN any trace and idle stop THEN billed = busy + boot + idle, spend ≥ busy, waits ≥ 0, clairvoyant ≥ busy', () => {
    fc.assert(
      fc.property(
        arrivals,
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 3 }),
        (offsets, idleMinutes, slots) => {
          const trace = offsets.sort((a, b) => a - b).map((s) => request(s));
          const r = simulate(trace, idleStop(idleMinutes * 60_000), { ...SETTINGS, slots });
          expect(r.billedHours).toBeCloseTo(r.busyHours + r.bootHours + r.idleHours, 9);
          expect(r.spendUsd).toBeGreaterThanOrEqual(r.busyUsd - 1e-9);
          expect(r.clairvoyantUsd).toBeGreaterThanOrEqual(r.busyUsd - 1e-9);
          expect(r.waitSeconds.p50).toBeGreaterThanOrEqual(0);
          expect(r.waitSeconds.max).toBeGreaterThanOrEqual(r.waitSeconds.p95);
          expect(r.spendUsd).toBeLessThanOrEqual(r.alwaysOnUsd + 1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('GIVEN a clairvoyant schedule THEN it never costs more than booting for each request alone', () => {
    fc.assert(
      fc.property(arrivals, (offsets) => {
        const jobs = offsets.sort((a, b) => a - b).map((s) => ({ arrivalMs: s * 1000, serviceMs: 20_000 }));
        expect(clairvoyantMs(jobs, 600_000, 1)).toBeLessThanOrEqual(jobs.length * 620_000 + 1e-6);
      }),
      { numRuns: 60 },
    );
  });
});

describe('fitbot simulate', () => {
  const defaults: SimulationDefaults = {
    policy: 'adaptive',
    pricePerHourUsd: 6.58,
    gpuCount: 2,
    pricePerGpuHourUsd: 3.29,
    coldStartSeconds: 600,
    waitTargetSeconds: 600,
    slots: 1,
    windows: parseWindows('Mon-Fri 09:00-18:00'),
    timeZone: 'Europe/Berlin',
    promptTokensPerSec: 650,
    decodeTokensPerSec: 50,
    speedSource: '/fit estimate (test)',
  };
  const files: Record<string, string> = {
    'week.jsonl': toJsonl(generateTrace({ seed: 1, teamSize: 3 })),
    'scout.jsonl': toJsonl([request(0, 100, 'scout')]),
  };
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error('ENOENT');
    return text;
  };
  const run = (...argv: string[]) => simulateCli(argv, defaults, readFile);

  it('GIVEN --json THEN the figures are numbers under their documented names', () => {
    const out = JSON.parse(run('--trace', 'week.jsonl', '--policy', 'idle-stop-2.5m', '--json'));
    for (const key of ['spendUsd', 'busyUsd', 'clairvoyantUsd', 'alwaysOnUsd', 'podStarts', 'billedHours', 'busyHours'])
      expect(typeof out[key]).toBe('number');
    expect(Object.keys(out.waitSeconds)).toEqual(['p50', 'p95', 'max']);
    expect(out.policy).toBe('idle-stop-2.5m');
    expect(out.settings).toMatchObject({
      pricePerHourUsd: 6.58,
      waitTargetSeconds: 600,
      windows: 'Mon-Fri 09:00-18:00',
    });
  });

  it('GIVEN options THEN they override the defaults', () => {
    const out = JSON.parse(
      run(
        '--trace=week.jsonl',
        '--policy',
        'always-on',
        '--wait-target',
        '120',
        '--cold-start',
        '300',
        '--slots',
        '2',
        '--price',
        '1',
        '--json',
      ),
    );
    expect(out.settings).toMatchObject({ waitTargetSeconds: 120, coldStartSeconds: 300, slots: 2, pricePerHourUsd: 1 });
    expect(out.spendUsd).toBeCloseTo(out.billedHours, 9);
  });

  it('GIVEN text output THEN it reads as a summary marked as estimates', () => {
    const text = run('--trace', 'week.jsonl');
    expect(text).toMatch(/Policy adaptive, p95 wait target 600 s:/);
    expect(text).toMatch(/spend ≈ \$[\d,.]+ \(est\.\)/);
    expect(text).toMatch(/2 × \$3\.29 per GPU-hour/);
    expect(text).toMatch(/adaptive's plan at the end/);
    expect(text).toMatch(/estimates/);
  });

  it('GIVEN --compare THEN every policy is a row and the cheapest fixed one meeting the target is named', () => {
    const text = run('--trace', 'week.jsonl', '--compare');
    for (const name of ['always-on', 'idle-stop-2m', 'idle-stop-60m', 'windows', 'adaptive'])
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    expect(text).toMatch(
      /Cheapest fixed policy meeting the target: \S+ at \$[\d,.]+; adaptive \$[\d,.]+ = [\d.]+× that/,
    );
    const json = JSON.parse(run('--trace', 'week.jsonl', '--compare', '--json'));
    expect(json.results).toHaveLength(9);
    expect(typeof json.adaptiveVsCheapestFixed).toBe('number');
  });

  it.each([
    [[], /give a trace: --trace FILE/],
    [['--trace'], /--trace needs a value/],
    [['--trace', 'week.jsonl', '--bogus'], /unknown option --bogus/],
    [['--trace', 'week.jsonl', 'extra'], /unexpected argument 'extra'/],
    [['--trace', 'week.jsonl', '--slots', '0'], /--slots must be a whole number ≥ 1/],
    [['--trace', 'week.jsonl', '--wait-target', 'soon'], /--wait-target must be a number/],
    [['--trace', 'week.jsonl', '--policy', 'idle-stop-m'], /unknown policy 'idle-stop-m'/],
    [['--trace', 'week.jsonl', '--tz', 'Atlantis/City'], /unknown time zone/],
    [['--trace', 'week.jsonl', '--windows', 'Mon 22:00-02:00'], /crosses midnight/],
    [['--trace', 'missing.jsonl'], /cannot read trace 'missing.jsonl'/],
    [['--trace', 'scout.jsonl'], /no requests with route "maverick"/],
  ])('GIVEN %j THEN a UserError', (argv, message) => {
    expect(() => run(...argv)).toThrow(UserError);
    expect(() => run(...argv)).toThrow(message);
  });

  it('GIVEN --help THEN the usage and the policies', () => {
    expect(run('--help')).toMatch(/usage: fitbot simulate[\s\S]*idle-stop-<N>m/);
  });
});
