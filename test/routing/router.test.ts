import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import {
  HEAVY_THRESHOLD,
  promptSignals,
  type RouteState,
  routePrompt,
  VERY_HEAVY_THRESHOLD,
} from '../../src/routing/router.ts';
import data from './labelled-prompts.json' with { type: 'json' };

interface Labelled {
  prompt: string;
  label: 'heavy' | 'light';
  category: string;
}
const labelled = data as Labelled[];

const HEAVY = 'Prove that every tree with n vertices has exactly n-1 edges, step by step.';
const VERY_HEAVY =
  'Prove by induction, step by step, that 1 + 2 + ... + n = n(n+1)/2, and return ONLY valid JSON matching this JSON schema, no extra keys: {"type":"object","required":["proof"],"properties":{"proof":{"type":"string"}}}';
const LIGHT = 'what is the capital of Australia?';

function state(overrides: Partial<RouteState['maverick']> = {}, rest: Partial<RouteState> = {}): RouteState {
  return {
    requested: 'auto',
    maverick: { configured: true, expectedWaitSeconds: 0, maxWaitSeconds: 600, ...overrides },
    ...rest,
  };
}

describe('test prompts', () => {
  it('GIVEN the fixed prompts THEN they sit where the routing tests assume', () => {
    const score = (p: string) => routePrompt(p, state()).heavyScore;
    expect(score(HEAVY)).toBeGreaterThanOrEqual(HEAVY_THRESHOLD);
    expect(score(HEAVY)).toBeLessThan(VERY_HEAVY_THRESHOLD);
    expect(score(VERY_HEAVY)).toBeGreaterThanOrEqual(VERY_HEAVY_THRESHOLD);
    expect(score(LIGHT)).toBeLessThan(HEAVY_THRESHOLD);
  });
});

describe('routePrompt: explicit choices', () => {
  it.each([
    ['scout, a heavy prompt', HEAVY, state({}, { requested: 'scout' }), 'scout', /^you asked for Scout$/],
    [
      'scout, Maverick not configured',
      HEAVY,
      state({ configured: false }, { requested: 'scout' }),
      'scout',
      /^you asked for Scout$/,
    ],
    [
      'scout, budget refusing Maverick',
      HEAVY,
      state({}, { requested: 'scout', budget: { maverickAllowed: false } }),
      'scout',
      /^you asked for Scout$/,
    ],
    ['maverick, a light prompt', LIGHT, state({}, { requested: 'maverick' }), 'maverick', /^you asked for Maverick$/],
    [
      'maverick, a wait far above the auto limit',
      LIGHT,
      state({ expectedWaitSeconds: 1800, maxWaitSeconds: 300, extraCostUsd: 0.12 }, { requested: 'maverick' }),
      'maverick',
      /^you asked for Maverick; expected wait ~30 min, est\. \+\$0\.12 over Scout$/,
    ],
    [
      'maverick, budget allowing it',
      LIGHT,
      state({}, { requested: 'maverick', budget: { maverickAllowed: true } }),
      'maverick',
      /^you asked for Maverick/,
    ],
  ] as const)('GIVEN model:%s THEN it goes where asked', (_, prompt, given, target, reason) => {
    const decision = routePrompt(prompt, given);
    expect(decision.target).toBe(target);
    expect(decision.reason).toMatch(reason);
  });

  it.each([
    ['Maverick is not configured', state({ configured: false }, { requested: 'maverick' }), /not configured/],
    [
      'the budget refuses with a reason',
      state({}, { requested: 'maverick', budget: { maverickAllowed: false, reason: 'weekly cap of $50 reached' } }),
      /weekly cap of \$50 reached.*model:scout/,
    ],
    [
      'the budget refuses without a reason',
      state({}, { requested: 'maverick', budget: { maverickAllowed: false } }),
      /budget does not allow Maverick/,
    ],
  ])('GIVEN model:maverick and %s THEN it is refused with a UserError', (_, given, message) => {
    expect(() => routePrompt(HEAVY, given)).toThrow(UserError);
    expect(() => routePrompt(HEAVY, given)).toThrow(message);
  });
});

describe('routePrompt: auto', () => {
  it('GIVEN a heavy prompt and Maverick available THEN Maverick, and the reason names the signals', () => {
    const decision = routePrompt(VERY_HEAVY, state({ expectedWaitSeconds: 360, extraCostUsd: 0.04 }));
    expect(decision.target).toBe('maverick');
    expect(decision.heavyScore).toBeGreaterThanOrEqual(HEAVY_THRESHOLD);
    expect(decision.signals).toEqual(expect.arrayContaining(['math', 'strict-format']));
    expect(decision.reason).toMatch(/^auto → Maverick: .*multi-step math \(.*Prove.*\)/);
    expect(decision.reason).toMatch(/a strict output format \(.*JSON schema.*\)/);
    expect(decision.reason).toMatch(/expected wait ~6 min, est\. \+\$0\.04 over Scout$/);
  });

  it('GIVEN a light prompt THEN Scout, and the reason says it is light', () => {
    const decision = routePrompt(LIGHT, state());
    expect(decision).toMatchObject({ target: 'scout' });
    expect(decision.reason).toMatch(/^auto → Scout: light prompt \(.*lookup.*\); heavy score -?[\d.]+ is below 2\.5$/);
  });

  it.each([
    [
      'Maverick is not configured',
      state({ configured: false }),
      /^auto → Scout: heavy prompt \(.*math.*\) but Maverick is not configured$/,
    ],
    [
      'the budget refuses with a reason',
      state({}, { budget: { maverickAllowed: false, reason: 'the team has used its $50 weekly Maverick budget' } }),
      /^auto → Scout: heavy prompt \(.*math.*\) but budget: the team has used its \$50 weekly Maverick budget$/,
    ],
    [
      'the budget refuses without a reason',
      state({}, { budget: { maverickAllowed: false } }),
      /but budget: the team budget does not allow Maverick right now$/,
    ],
  ])('GIVEN a heavy prompt and %s THEN Scout, and the reason says why', (_, given, reason) => {
    const decision = routePrompt(VERY_HEAVY, given);
    expect(decision.target).toBe('scout');
    expect(decision.reason).toMatch(reason);
  });

  it.each([
    [
      'heavy',
      HEAVY,
      720,
      600,
      'scout',
      /expected wait is ~12 min \(limit ~10 min\) — answering on Scout; ask with model:maverick to wait$/,
    ],
    ['heavy', HEAVY, 600, 600, 'maverick', /^auto → Maverick: .*; expected wait ~10 min$/],
    ['heavy', HEAVY, 30, 600, 'maverick', /expected wait ~30 s$/],
    ['very heavy', VERY_HEAVY, 1000, 600, 'maverick', /very heavy, so worth more than the ~10 min wait limit/],
    ['very heavy', VERY_HEAVY, 1200, 600, 'scout', /expected wait is ~20 min \(limit ~10 min\)/],
    ['heavy', HEAVY, Number.NaN, 600, 'scout', /expected wait is unknown/],
    ['very heavy', VERY_HEAVY, 4 * 3600, 3 * 3600, 'maverick', /expected wait ~4 h/],
  ] as const)(
    'GIVEN a %s prompt and a wait of %ss (limit %ss) THEN %s',
    (_, prompt, waitSeconds, maxWaitSeconds, target, reason) => {
      const decision = routePrompt(prompt, state({ expectedWaitSeconds: waitSeconds, maxWaitSeconds }));
      expect(decision.target).toBe(target);
      expect(decision.reason).toMatch(reason);
    },
  );

  it.each([
    ['explain how a proof by induction works', 'scout'],
    ['what is 2+2', 'scout'],
    ['write a python function to reverse a string', 'scout'],
    [
      'summarize this paragraph: The pod stops after ten idle minutes. If a job arrives later, it starts again, which takes about six minutes, and the answer is delayed by that much.',
      'scout',
    ],
    ['translate "the pod is starting" into French', 'scout'],
    ['find the bug in this 80-line async Rust code with a deadlock', 'maverick'],
    ['Prove that there are infinitely many primes.', 'maverick'],
    ['Return only valid JSON matching this JSON schema, no extra keys.', 'maverick'],
  ] as const)('GIVEN the hard case %j THEN %s', (prompt, target) => {
    expect(routePrompt(prompt, state()).target).toBe(target);
  });
});

describe('promptSignals', () => {
  it.each([
    [
      'a pasted stack trace',
      'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\nKeyError: 1',
      'code',
    ],
    [
      'a long pasted document',
      `Review this report:\n\n${'The pod ran idle for most of the afternoon. '.repeat(60)}`,
      'long-document',
    ],
    ['tool signatures', 'You can call search_docs(query) and start_pod(pod_id). Plan the calls.', 'tool-plan'],
    [
      'a pasted JSON schema',
      'Fill {"type":"object","required":["a"],"properties":{}} exactly, nothing else',
      'strict-format',
    ],
    ['a translation request', 'translate this into German: hello', 'translation'],
  ])('GIVEN %s THEN the %s signal fires with evidence', (_, prompt, name) => {
    const signal = promptSignals(prompt).find((s) => s.name === name);
    expect(signal?.evidence).not.toBe('');
    expect(signal?.weight).not.toBe(0);
  });

  it('GIVEN a long document THEN its evidence estimates tokens as characters ÷ 4', () => {
    const text = 'x'.repeat(4000);
    expect(promptSignals(text).find((s) => s.name === 'long-document')?.evidence).toBe('~1000 tokens of text');
  });
});

describe('labelled prompts', () => {
  it('GIVEN the labelled set THEN it is large, balanced and covers every category', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(70);
    const heavy = labelled.filter((d) => d.label === 'heavy');
    expect(heavy.length / labelled.length).toBeGreaterThan(0.4);
    expect(heavy.length / labelled.length).toBeLessThan(0.6);
    const categories = new Set(labelled.map((d) => d.category));
    for (const c of ['math', 'code', 'long-document', 'strict-format', 'tool-plan', 'chat', 'short-code', 'summary']) {
      expect(categories).toContain(c);
    }
    const pastedDocuments = labelled.filter(
      (d) => d.category === 'long-document' && d.prompt.length >= 2000 && d.prompt.length <= 6000,
    );
    expect(pastedDocuments.length).toBeGreaterThanOrEqual(3);
  });

  it('GIVEN auto with Maverick available and no wait THEN ≥ 90 % agree with the labels and ≤ 10 % of light prompts go to Maverick', () => {
    const routed = labelled.map((d) => ({ ...d, target: routePrompt(d.prompt, state()).target }));
    const agree = routed.filter((d) => (d.label === 'heavy') === (d.target === 'maverick')).length;
    const light = routed.filter((d) => d.label === 'light');
    const lightToMaverick = light.filter((d) => d.target === 'maverick').length;
    expect(agree / routed.length).toBeGreaterThanOrEqual(0.9);
    expect(lightToMaverick / light.length).toBeLessThanOrEqual(0.1);
  });
});

describe('properties', () => {
  const anyState = fc.record({
    configured: fc.boolean(),
    expectedWaitSeconds: fc.oneof(fc.double({ noNaN: false }), fc.nat(7200)),
    maxWaitSeconds: fc.oneof(fc.double({ noNaN: false }), fc.nat(7200)),
    extraCostUsd: fc.option(fc.double(), { nil: undefined }),
    budget: fc.option(
      fc.record({ maverickAllowed: fc.boolean(), reason: fc.option(fc.string(), { nil: undefined }) }),
      {
        nil: undefined,
      },
    ),
  });
  const fragments = [
    'prove that',
    '```\nfn main() {}\n```',
    'JSON schema',
    'only output valid JSON',
    'deadlock',
    'translate to French',
    'what is',
    '\n1. must\n2. must\n',
    'search_docs(q) start_pod(id)',
    'x^2 + y = 3',
    ' ',
    '\n',
  ];
  const prompts = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 2000 }),
    fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(' ')),
  );

  it('GIVEN any string in auto THEN it never throws and targets Scout or Maverick', () => {
    fc.assert(
      fc.property(prompts, anyState, (prompt, s) => {
        const { budget, ...maverick } = s;
        const decision = routePrompt(prompt, { requested: 'auto', maverick, budget });
        expect(['scout', 'maverick']).toContain(decision.target);
        expect(Number.isFinite(decision.heavyScore)).toBe(true);
        expect(decision.reason).not.toBe('');
      }),
    );
  });

  it('GIVEN any string and state in auto THEN Maverick only when configured, allowed by the budget and heavy', () => {
    fc.assert(
      fc.property(prompts, anyState, (prompt, s) => {
        const { budget, ...maverick } = s;
        const decision = routePrompt(prompt, { requested: 'auto', maverick, budget });
        if (decision.target === 'maverick') {
          expect(maverick.configured).toBe(true);
          expect(budget?.maverickAllowed).not.toBe(false);
          expect(decision.heavyScore).toBeGreaterThanOrEqual(HEAVY_THRESHOLD);
        }
      }),
    );
  });
});
