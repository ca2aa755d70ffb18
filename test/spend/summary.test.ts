import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, toDiscord } from '../../src/adapters/discord/render.ts';
import { SLACK_LIMITS, toSlack } from '../../src/adapters/slack/render.ts';
import type { LedgerEntry } from '../../src/spend/ledger-entry.ts';
import { type MaverickBasis, type SummaryInput, weeklySummary } from '../../src/spend/summary.ts';
import { summaryJson, summaryReply } from '../../src/spend/summary-present.ts';
import { parseIsoWeekIn, type WeekRange } from '../../src/spend/week.ts';

const TZ = 'Europe/Berlin';
const H = 3_600_000;
const week = (label: string): WeekRange => {
  const w = parseIsoWeekIn(label, TZ);
  if (!w) throw new Error(label);
  return w;
};
/** 2026-W13 in Berlin: 167 hours (the clocks go forward on Sunday 29 March). */
const WEEK = week('2026-W13');
const PREV = week('2026-W12');
/** Hours after Monday 00:00 Berlin (before Sunday's change, local time = start + hours). */
const at = (hours: number, w: WeekRange = WEEK) => w.startMs + hours * H;

let seq = 0;
const USERS = {
  ada: { userId: 'u-ada', userName: 'ada' },
  bob: { userId: 'u-bob', userName: 'bob' },
  cleo: { userId: 'u-cleo', userName: 'cleo' },
  pod: { userId: 'pod', userName: 'pod (no answers)' },
} as const;
type Who = keyof typeof USERS;

function base(who: Who, endedAtMs: number): Omit<LedgerEntry, 'model' | 'hardware' | 'provider' | 'gpuCount'> {
  seq += 1;
  return {
    jobId: `job-${seq}`,
    team: 'T1',
    ...USERS[who],
    status: 'ok',
    quant: 'Q4_K_M',
    startedAtMs: endedAtMs - 10_000,
    endedAtMs,
    promptTokens: 0,
    completionTokens: 0,
    gpuSeconds: 0,
    costUsd: 0,
    costBasis: 'test',
    route: 'test',
  };
}

const SCOUT = { model: 'Llama 4 Scout', hardware: 'RTX 4090', provider: 'local', gpuCount: 1 } as const;
const MAVERICK = { model: 'Llama 4 Maverick', hardware: 'H100 SXM', provider: 'runpod', gpuCount: 2 } as const;

/** A Scout answer: 2000 tokens in, 500 out. */
function scout(who: Who, costUsd: number, endedAtMs: number): LedgerEntry {
  return { ...base(who, endedAtMs), ...SCOUT, promptTokens: 2000, completionTokens: 500, gpuSeconds: 12, costUsd };
}
function maverick(who: Who, costUsd: number, endedAtMs: number): LedgerEntry {
  return { ...base(who, endedAtMs), ...MAVERICK, promptTokens: 1500, completionTokens: 600, gpuSeconds: 100, costUsd };
}
/** A pod-run settlement: money and GPU time, no answer. */
function podShare(who: Who, costUsd: number, idleUsd: number, endedAtMs: number): LedgerEntry {
  // $6/h for the pod's 2 GPUs: $3 per GPU-hour.
  const perGpuSecond = 3 / 3600;
  return {
    ...base(who, endedAtMs),
    ...MAVERICK,
    kind: 'pod-share',
    costUsd,
    gpuSeconds: costUsd / perGpuSecond,
    idleUsd,
    idleGpuSeconds: idleUsd / perGpuSecond,
  };
}
function failed(who: Who, endedAtMs: number): LedgerEntry {
  return { ...base(who, endedAtMs), ...MAVERICK, status: 'failed', promptTokens: 1500 };
}

/** A typical week: Scout answers, Maverick answers, three pod settlements (one nobody's) and a failure. */
function typicalEntries(): LedgerEntry[] {
  return [
    scout('ada', 0.0021, at(9)),
    scout('ada', 0.0013, at(14)),
    scout('bob', 0.0017, at(24 + 10)),
    scout('bob', 0.0011, at(48 + 11)),
    // Monday 00:30 in Berlin is Sunday 23:30 UTC: it belongs to Monday.
    scout('cleo', 0.0009, at(0.5)),
    maverick('ada', 0.45, at(24 + 15)),
    maverick('cleo', 0.3, at(48 + 16)),
    maverick('bob', 0.12, at(72 + 10)),
    podShare('ada', 0.9, 0.85, at(24 + 18)),
    podShare('cleo', 0.6, 0.58, at(48 + 19)),
    podShare('pod', 0.4, 0.4, at(96 + 8)),
    failed('bob', at(72 + 11)),
  ];
}
const TYPICAL_TOTAL = 0.0071 + 0.87 + 1.9;

function previousEntries(): LedgerEntry[] {
  return [maverick('ada', 1, at(24, PREV)), scout('bob', 0.006, at(48, PREV))];
}

/** Maverick on 2 GPUs at $3/GPU-hour ($6/h), 50 tok/s decode, 1000 tok/s prompt. */
const MAVERICK_BASIS: MaverickBasis = {
  pricing: { provider: 'runpod', gpuCount: 2, pricePerGpuHourUsd: 3 },
  decodeTokensPerSec: 50,
  promptTokensPerSec: 1000,
  source: '/fit speed model, 2× H100 SXM, Q4_K_M',
};

function input(overrides: Partial<SummaryInput> = {}): SummaryInput {
  return {
    team: 'T1',
    timeZone: TZ,
    week: WEEK,
    entries: typicalEntries(),
    previous: previousEntries(),
    nowMs: WEEK.endMs + H,
    maverick: MAVERICK_BASIS,
    ...overrides,
  };
}

const cents = (usd: number) => Math.round(usd * 100);
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

describe('weeklySummary: totals', () => {
  const s = weeklySummary(input());

  it('GIVEN a typical week THEN the total is the sum of the ok entries to the cent, failures cost nothing and count apart', () => {
    const entries = typicalEntries();
    expect(cents(s.totalUsd)).toBe(cents(sum(entries.map((e) => e.costUsd))));
    expect(s.totalUsd).toBeCloseTo(TYPICAL_TOTAL, 10);
    expect(s.requests).toBe(8);
    expect(s.failed).toBe(1);
    expect(s.promptTokens).toBe(5 * 2000 + 3 * 1500);
    expect(s.completionTokens).toBe(5 * 500 + 3 * 600);
  });

  it('GIVEN a typical week THEN models, users and days each add up to the total', () => {
    expect(sum(s.byModel.map((m) => m.costUsd))).toBeCloseTo(s.totalUsd, 10);
    expect(sum(s.byUser.map((u) => u.costUsd))).toBeCloseTo(s.totalUsd, 10);
    expect(sum(s.daily.map((d) => d.costUsd))).toBeCloseTo(s.totalUsd, 10);
    expect(s.byModel.map((m) => [m.model, m.provider, m.requests])).toEqual([
      ['Llama 4 Maverick', 'runpod', 3],
      ['Llama 4 Scout', 'local', 5],
    ]);
  });

  it('GIVEN users THEN shares are exact fractions and the rounded percentages add to exactly 100', () => {
    expect(s.byUser.map((u) => u.user)).toEqual(['ada', 'cleo', 'pod (no answers)', 'bob']);
    expect(sum(s.byUser.map((u) => u.share))).toBeCloseTo(1, 12);
    expect(Math.round(10 * sum(s.byUser.map((u) => u.sharePercent)))).toBe(1000);
    expect(s.byUser[0]?.share).toBeCloseTo(1.3534 / TYPICAL_TOTAL, 12);
  });

  it('GIVEN three equal users THEN 33.4 + 33.3 + 33.3 %', () => {
    const t = weeklySummary(
      input({ entries: [maverick('ada', 1, at(10)), maverick('bob', 1, at(11)), maverick('cleo', 1, at(12))] }),
    );
    expect(t.byUser.map((u) => u.sharePercent)).toEqual([33.4, 33.3, 33.3]);
  });

  it('GIVEN pod settlements THEN GPU-hours billed vs busy, and boot/idle cost as a share of the pod', () => {
    const entries = typicalEntries();
    const billed = sum(entries.filter((e) => e.status === 'ok').map((e) => e.gpuSeconds)) / 3600;
    expect(s.gpu.billedHours).toBeCloseTo(billed, 10);
    expect(s.gpu.idleUsd).toBeCloseTo(1.83, 10);
    expect(s.gpu.idleHours).toBeCloseTo(1.83 / 3, 10);
    expect(s.gpu.busyHours).toBeCloseTo(billed - 1.83 / 3, 10);
    expect(s.gpu.podUsd).toBeCloseTo(2.77, 10);
    expect(s.gpu.idleShareOfPod).toBeCloseTo(1.83 / 2.77, 10);
    expect(s.avgCostPerAnswerUsd).toBeCloseTo(TYPICAL_TOTAL / 8, 10);
  });

  it('GIVEN an answer at Monday 00:30 Berlin (Sunday UTC) THEN it is on Monday in the daily buckets', () => {
    expect(s.days).toHaveLength(7);
    expect(s.daily).toHaveLength(7 * 2);
    expect(s.daily.find((d) => d.day === '2026-03-23' && d.model === 'Llama 4 Scout')?.costUsd).toBeCloseTo(
      0.0021 + 0.0013 + 0.0009,
      12,
    );
    expect(s.daily.find((d) => d.day === '2026-03-22')).toBeUndefined();
    expect(s.daily.find((d) => d.day === '2026-03-27' && d.model === 'Llama 4 Maverick')?.costUsd).toBeCloseTo(0.4, 12);
  });

  it('GIVEN random entries THEN every breakdown adds up to the total and the shares to 100 %', () => {
    const arbEntry = fc
      .record({
        who: fc.constantFrom<Who>('ada', 'bob', 'cleo', 'pod'),
        kind: fc.constantFrom('scout', 'maverick', 'share', 'failed'),
        costUsd: fc.double({ min: 0, max: 50, noNaN: true }),
        hour: fc.double({ min: 0, max: 166.9, noNaN: true }),
      })
      .map(({ who, kind, costUsd, hour }) =>
        kind === 'scout'
          ? scout(who, costUsd / 1000, at(hour))
          : kind === 'maverick'
            ? maverick(who, costUsd, at(hour))
            : kind === 'share'
              ? podShare(who, costUsd, costUsd / 2, at(hour))
              : failed(who, at(hour)),
      );
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 40 }), (entries) => {
        const t = weeklySummary(input({ entries }));
        const ok = entries.filter((e) => e.status === 'ok');
        expect(cents(t.totalUsd)).toBe(cents(sum(ok.map((e) => e.costUsd))));
        expect(t.failed).toBe(entries.length - ok.length);
        expect(sum(t.byModel.map((m) => m.costUsd))).toBeCloseTo(t.totalUsd, 8);
        expect(sum(t.daily.map((d) => d.costUsd))).toBeCloseTo(t.totalUsd, 8);
        if (t.totalUsd > 0) expect(Math.round(10 * sum(t.byUser.map((u) => u.sharePercent)))).toBe(1000);
        // The reply's per-user amounts add up to the total it shows.
        const reply = summaryReply(t);
        const users = reply.fields?.find((f) => f.name === 'By user')?.value ?? '';
        if (t.byUser.length <= 10 && t.totalUsd >= 0.01) {
          const shown = [...users.matchAll(/: (<?)\$([\d,.]+),/g)].map((m) =>
            m[1] ? 0 : cents(Number(m[2]?.replace(/,/g, ''))),
          );
          expect(sum(shown)).toBe(cents(t.totalUsd));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('weeklySummary: comparison with last week', () => {
  it('GIVEN a finished week THEN the change is against all of last week', () => {
    const s = weeklySummary(input());
    expect(s.previous).toEqual({ label: '2026-W12', totalUsd: 1.006, requests: 2, toDateUsd: 1.006 });
    expect(s.change.against).toBe('full-week');
    expect(s.change.usd).toBeCloseTo(TYPICAL_TOTAL - 1.006, 10);
    expect(s.change.fraction).toBeCloseTo((TYPICAL_TOTAL - 1.006) / 1.006, 10);
  });

  it('GIVEN a week in progress THEN the change is against last week up to the same point', () => {
    const s = weeklySummary(
      input({
        entries: [maverick('ada', 4, at(30))],
        previous: [maverick('ada', 1, at(24, PREV)), maverick('ada', 5, at(100, PREV))],
        nowMs: at(48),
      }),
    );
    expect(s.previous.totalUsd).toBe(6);
    expect(s.previous.toDateUsd).toBe(1);
    expect(s.change).toEqual({ usd: 3, fraction: 3, against: 'same-point' });
  });

  it('GIVEN nothing spent last week THEN no percentage', () => {
    expect(weeklySummary(input({ previous: [] })).change.fraction).toBeNull();
  });
});

describe('weeklySummary: routing savings (an estimate)', () => {
  it("GIVEN Scout answers THEN their tokens at Maverick's speed × Maverick's price per second", () => {
    const s = weeklySummary(input());
    // Each: 2000 / 1000 + 500 / 50 = 12 s on Maverick, at $6/h = $0.02.
    expect(s.savings?.estimate).toBe(true);
    expect(s.savings?.answers).toBe(5);
    expect(s.savings?.maverickSeconds).toBeCloseTo(60, 10);
    expect(s.savings?.maverickUsd).toBeCloseTo(0.1, 10);
    expect(s.savings?.actualUsd).toBeCloseTo(0.0071, 10);
    expect(s.savings?.savedUsd).toBeCloseTo(0.1 - 0.0071, 10);
    // What happened on Maverick (answers and settlements) plus Scout's answers at Maverick's price.
    expect(s.savings?.allOnMaverickUsd).toBeCloseTo(2.77 + 0.1, 10);
    expect(s.savings?.basis).toContain('/fit speed model, 2× H100 SXM, Q4_K_M');
    expect(s.savings?.basis).toContain('50.0 tok/s decode, 1000 tok/s prompt');
    expect(s.savings?.basis).toContain('$6.00/h (2 GPU × $3.00/GPU-h)');
  });

  it('GIVEN no measured prompt speed THEN decode time only, labelled a lower bound', () => {
    const { promptTokensPerSec: _, ...decodeOnly } = MAVERICK_BASIS;
    const s = weeklySummary(input({ maverick: decodeOnly }));
    expect(s.savings?.maverickSeconds).toBeCloseTo(50, 10);
    expect(s.savings?.basis).toContain('a lower bound');
  });

  it("GIVEN Maverick's server runs 4 slots THEN an answer pays a quarter of the pod, as real answers do", () => {
    const s = weeklySummary(
      input({ maverick: { ...MAVERICK_BASIS, pricing: { ...MAVERICK_BASIS.pricing, slots: 4 } } }),
    );
    expect(s.savings?.maverickUsd).toBeCloseTo(0.025, 10);
  });

  it("GIVEN Maverick's price or speed unknown THEN no estimate, and the reply says so", () => {
    const s = weeklySummary(input({ maverick: undefined }));
    expect(s.savings).toBeUndefined();
    expect(summaryReply(s).fields?.find((f) => f.name === 'Routing savings')?.value).toMatch(/Not estimated/);
  });
});

describe('weeklySummary: projection and budget', () => {
  it('GIVEN a finished week THEN the month is the week ÷ 7 × 30.44 days', () => {
    const s = weeklySummary(input());
    expect(s.projection.basis).toBe('full-week');
    expect(s.projection.weekUsd).toBeCloseTo(TYPICAL_TOTAL, 10);
    expect(s.projection.monthUsd).toBeCloseTo((TYPICAL_TOTAL / 7) * (365.25 / 12), 10);
    expect(s.projection.method).toContain('÷ 7 days');
  });

  it('GIVEN 48 h of a 167-hour week THEN the days gone are DST-aware and the spend so far is extrapolated', () => {
    const s = weeklySummary(input({ entries: [maverick('ada', 4, at(30))], nowMs: at(48) }));
    const days = (7 * 48) / 167;
    expect(s.elapsedDays).toBeCloseTo(days, 12);
    expect(s.projection.basis).toBe('this-week');
    expect(s.projection.weekUsd).toBeCloseTo((4 / days) * 7, 10);
    expect(s.projection.monthUsd).toBeCloseTo((4 / days) * (365.25 / 12), 10);
  });

  it("GIVEN under a day gone THEN the rest of the week at last week's rate", () => {
    const s = weeklySummary(
      input({ entries: [maverick('ada', 0.5, at(6))], previous: [maverick('ada', 7, at(30, PREV))], nowMs: at(12) }),
    );
    expect(s.projection.basis).toBe('last-week');
    expect(s.projection.perDayUsd).toBe(1);
    expect(s.projection.weekUsd).toBeCloseTo(0.5 + (7 - (7 * 12) / 167), 10);
    expect(s.projection.monthUsd).toBeCloseTo(365.25 / 12, 10);
  });

  it('GIVEN a week not yet started THEN nothing projected', () => {
    const s = weeklySummary(input({ entries: [], previous: [], nowMs: WEEK.startMs - H }));
    expect(s.projection).toMatchObject({ basis: 'not-started', weekUsd: 0, monthUsd: 0 });
  });

  it('GIVEN budgets THEN used and left for the team, and who is over the per-person budget', () => {
    const s = weeklySummary(input({ budget: { teamWeeklyUsd: 10, userWeeklyUsd: 1 } }));
    expect(s.budget?.team).toMatchObject({ weeklyUsd: 10, overUsd: 0 });
    expect(s.budget?.team?.leftUsd).toBeCloseTo(10 - TYPICAL_TOTAL, 10);
    expect(s.budget?.team?.usedFraction).toBeCloseTo(TYPICAL_TOTAL / 10, 10);
    // cleo ($0.90) is under; the pod's own share is nobody's.
    expect(s.budget?.user?.over.map((u) => u.user)).toEqual(['ada']);
    expect(s.budget?.user?.over[0]?.overUsd).toBeCloseTo(0.3534, 10);
  });

  it('GIVEN no budget THEN none in the summary', () => {
    expect(weeklySummary(input()).budget).toBeUndefined();
  });
});

describe('weeklySummary: recommendations fire on their triggers and not otherwise', () => {
  const quietPod = () => [
    scout('ada', 0.0034, at(9)),
    scout('bob', 0.0028, at(30)),
    maverick('ada', 0.45, at(40)),
    maverick('cleo', 0.3, at(50)),
    maverick('bob', 0.12, at(60)),
    // Idle 0.05 of the pod's 0.97: 5 %.
    podShare('ada', 0.1, 0.05, at(41)),
  ];
  const failures = (ok: number, bad: number) => [
    ...Array.from({ length: ok }, (_, i) => scout('ada', 0.001, at(i))),
    ...Array.from({ length: bad }, (_, i) => failed('bob', at(i))),
  ];
  const midWeek = (teamWeeklyUsd: number): Partial<SummaryInput> => ({
    entries: [maverick('ada', 4, at(30)), maverick('bob', 3, at(31))],
    nowMs: at(48),
    budget: { teamWeeklyUsd },
  });
  it.each<[string, string[], Partial<SummaryInput>]>([
    ['a typical week (pod idle 66 % of its cost)', ['idle-share'], {}],
    ['a quiet pod and spread spend', [], { entries: quietPod() }],
    ['the team budget spent', ['budget-exceeded', 'idle-share'], { budget: { teamWeeklyUsd: 2.5 } }],
    ['the team budget with room', ['idle-share'], { budget: { teamWeeklyUsd: 10 } }],
    ['$7 in 2 days against $10 a week', ['budget-projected'], midWeek(10)],
    ['$7 in 2 days against $30 a week', [], midWeek(30)],
    ['one person over the per-person budget', ['user-budget', 'idle-share'], { budget: { userWeeklyUsd: 1 } }],
    ['one person at 99.9 %', ['user-share'], { entries: [maverick('ada', 5, at(10)), scout('bob', 0.003, at(11))] }],
    ['one person at 55 %', [], { entries: [maverick('ada', 5.5, at(10)), maverick('bob', 4.5, at(11))] }],
    ['a team of one', [], { entries: [maverick('ada', 5, at(10))] }],
    [
      "one person and the pod's own idle share",
      [],
      { entries: [maverick('ada', 1, at(10)), podShare('pod', 0.1, 0.1, at(20))] },
    ],
    ['5 of 10 requests failed', ['failures'], { entries: failures(5, 5) }],
    ['5 of 30 requests failed', [], { entries: failures(25, 5) }],
    ['nothing at all', ['no-spend'], { entries: [] }],
    ['only 4 failed requests', ['no-spend'], { entries: failures(0, 4) }],
  ])('GIVEN %s THEN %j', (_, kinds, overrides) => {
    expect(weeklySummary(input(overrides)).recommendations.map((r) => r.kind)).toEqual(kinds);
  });

  it('GIVEN a recommendation THEN it quotes the number that triggered it', () => {
    const [idle] = weeklySummary(input()).recommendations;
    expect(idle?.value).toBeCloseTo(1.83 / 2.77, 10);
    expect(idle?.threshold).toBe(0.25);
    expect(idle?.text).toContain('66 %');
    expect(idle?.text).toContain('$1.83 of $2.77');
    expect(idle?.text).toMatch(/adaptive/);
  });
});

describe('summaryReply', () => {
  it('GIVEN a typical week THEN a headline with the total and the change, and fields that read without the chart', () => {
    const reply = summaryReply(weeklySummary(input({ budget: { teamWeeklyUsd: 10 } })));
    expect(reply.title).toBe('Spend, 2026-W13: $2.78');
    expect(reply.text).toContain('**$2.78** in 2026-W13 (Mon 23 Mar – Sun 29 Mar, Europe/Berlin)');
    expect(reply.text).toContain("up 176 % (+$1.77) on 2026-W12's $1.01");
    expect(reply.text).toContain('8 answers (+1 failed, not charged)');
    expect(reply.fields?.map((f) => f.name)).toEqual([
      'Recommendation',
      'By model and hardware',
      'By user',
      'GPU time',
      'Budget',
      'Projection',
      'Routing savings (estimate)',
      'By day (Europe/Berlin)',
    ]);
    const field = (name: string) => reply.fields?.find((f) => f.name === name)?.value;
    expect(field('By model and hardware')).toBe(
      'Llama 4 Maverick on H100 SXM (RunPod): $2.77, 3 answers\nLlama 4 Scout on RTX 4090 (local): $0.01, 5 answers',
    );
    expect(field('By user')).toBe(
      [
        // Cents and tenths by largest remainder: $1.36 + $0.90 + $0.40 + $0.12 = the $2.78 shown.
        'ada: $1.36, 48.7 % (3 answers)',
        'cleo: $0.90, 32.5 % (2 answers)',
        'pod (no answers): $0.40, 14.4 % (0 answers)',
        'bob: $0.12, 4.4 % (3 answers)',
      ].join('\n'),
    );
    expect(field('Budget')).toBe('Team: $2.78 of $10.00 (28 %), $7.22 left.');
    expect(field('By day (Europe/Berlin)')).toContain('Tue 24 Mar: $1.35 (peak)');
    expect(reply.tone).toBe('info');
    expect(reply.image).toBeUndefined();
  });

  it('GIVEN the chart PNG THEN it is attached with alt text', () => {
    const png = new Uint8Array([137, 80, 78, 71]);
    const reply = summaryReply(weeklySummary(input()), png);
    expect(reply.image?.filename).toBe('spend-2026-W13.png');
    expect(reply.image?.png).toBe(png);
    expect(reply.image?.alt).toMatch(/^Daily spend by model, 2026-W13 \(Europe\/Berlin\): Mon 23 Mar \$/);
  });

  it('GIVEN an empty week THEN one plain line', () => {
    const reply = summaryReply(weeklySummary(input({ entries: [] })));
    expect(reply.title).toBe('Spend, 2026-W13: $0.00');
    expect(reply.text).toBe(
      'No /ask answers this week (Mon 23 Mar – Sun 29 Mar, Europe/Berlin): $0.00. Last week (2026-W12): $1.01.',
    );
    expect(reply.fields).toBeUndefined();
  });

  it('GIVEN the budget spent THEN a warning', () => {
    expect(summaryReply(weeklySummary(input({ budget: { teamWeeklyUsd: 1 } }))).tone).toBe('warning');
  });

  it('GIVEN 60 users, 15 models and long names THEN within Discord and Slack limits, nothing cut by the renderers', () => {
    const long = (s: string) => `${s} ${'x'.repeat(90)}`;
    const entries: LedgerEntry[] = [];
    for (let i = 0; i < 60; i++) {
      const e = maverick('ada', 1 + i / 7, at(i));
      entries.push({ ...e, userId: `u${i}`, userName: long(`user ${i}`), model: long(`model ${i % 15}`) });
      entries.push(failed('bob', at(i)));
      entries.push({ ...scout('bob', 0.002, at(i)), userId: `u${i}`, userName: long(`user ${i}`) });
    }
    const s = weeklySummary(
      input({
        entries,
        budget: { teamWeeklyUsd: 5, userWeeklyUsd: 1 },
        maverick: { ...MAVERICK_BASIS, source: 'z'.repeat(3000) },
      }),
    );
    const reply = summaryReply(s);
    expect(reply.title?.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(reply.text?.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
    expect(reply.fields?.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const f of reply.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    }
    expect(reply.footer?.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    // Discord allows 6000 characters across an embed (title, description, fields, footer).
    const embed = toDiscord(reply).embeds[0];
    const chars =
      (embed?.title?.length ?? 0) +
      (embed?.description?.length ?? 0) +
      (embed?.footer?.text.length ?? 0) +
      sum((embed?.fields ?? []).map((f) => f.name.length + f.value.length));
    expect(chars).toBeLessThanOrEqual(6000);
    expect(embed?.fields).toEqual(
      reply.fields?.map((f) => ({ name: f.name, value: f.value, ...(f.inline ? { inline: true } : {}) })),
    );
    const slack = toSlack(reply);
    expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(reply.fields?.find((f) => f.name === 'By user')?.value).toMatch(/… and \d+ more: \$[\d,.]+, [\d.]+ %$/);
    expect(reply.fields?.find((f) => f.name === 'Routing savings (estimate)')?.value).toMatch(/zzz…$/);
  });
});

describe('summaryJson', () => {
  it('GIVEN a summary THEN spendJson fields plus the summary, as plain JSON', () => {
    const json = summaryJson(weeklySummary(input({ budget: { teamWeeklyUsd: 10 } })));
    expect(json).toMatchObject({
      team: 'T1',
      week: '2026-W13',
      timeZone: 'Europe/Berlin',
      weekStart: '2026-03-22T23:00:00.000Z',
      weekEnd: '2026-03-29T22:00:00.000Z',
      requests: 8,
      failed: 1,
    });
    expect(json.totalUsd).toBeCloseTo(TYPICAL_TOTAL, 10);
    expect(json.idleUsd).toBeCloseTo(1.83, 10);
    expect(json.billedGpuHours).toBeGreaterThan(json.busyGpuHours);
    expect(json.byUser[0]).toEqual({
      user: 'ada',
      userId: 'u-ada',
      costUsd: expect.closeTo(1.3534, 10),
      share: expect.closeTo(1.3534 / TYPICAL_TOTAL, 10),
      sharePercent: 48.7,
      requests: 3,
    });
    expect(json.byModel.map((m) => ({ model: m.model, hardware: m.hardware }))).toEqual([
      { model: 'Llama 4 Maverick', hardware: 'H100 SXM' },
      { model: 'Llama 4 Scout', hardware: 'RTX 4090' },
    ]);
    expect(json.savings?.estimate).toBe(true);
    expect(json.recommendations.map((r) => r.kind)).toEqual(['idle-share']);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
