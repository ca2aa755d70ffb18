import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_HEIGHT_PX, CHART_WIDTH_PX, chartSpec, renderChartPng, renderChartSvg } from '../../src/spend/chart.ts';
import type { LedgerEntry } from '../../src/spend/ledger-entry.ts';
import { weeklySummary } from '../../src/spend/summary.ts';
import { parseIsoWeekIn } from '../../src/spend/week.ts';
import { testEntry } from '../helpers.ts';

const TZ = 'America/New_York';
const WEEK = (() => {
  const w = parseIsoWeekIn('2026-W44', TZ);
  if (!w) throw new Error('week');
  return w;
})();
const H = 3_600_000;

function entry(n: number, over: Partial<LedgerEntry>): LedgerEntry {
  return testEntry({
    jobId: `job-${n}`,
    userId: 'u-ada',
    startedAtMs: WEEK.startMs,
    endedAtMs: WEEK.startMs,
    promptTokens: 2000,
    completionTokens: 500,
    gpuSeconds: 12,
    costUsd: 0.002,
    costBasis: 'test',
    route: 'test',
    ...over,
  });
}

const maverick = { model: 'Llama 4 Maverick', hardware: 'H100 SXM', provider: 'runpod', gpuCount: 2 } as const;
/** Hours after Monday 00:00 New York: each day has Scout answers, Maverick on weekdays. */
const entries: LedgerEntry[] = Array.from({ length: 7 }, (_, day) => [
  entry(day * 10, { endedAtMs: WEEK.startMs + (day * 24 + 10) * H, costUsd: 0.01 * (day + 1) }),
  ...(day < 5
    ? [
        entry(day * 10 + 1, {
          ...maverick,
          userId: 'u-bob',
          userName: 'bob',
          endedAtMs: WEEK.startMs + (day * 24 + 14) * H,
          costUsd: 1.5 + day / 2,
        }),
        entry(day * 10 + 2, {
          ...maverick,
          kind: 'pod-share',
          userId: 'u-bob',
          userName: 'bob',
          endedAtMs: WEEK.startMs + (day * 24 + 18) * H,
          promptTokens: 0,
          completionTokens: 0,
          costUsd: 0.4,
          idleUsd: 0.4,
        }),
      ]
    : []),
]).flat();

const summary = weeklySummary({
  team: 'T1',
  timeZone: TZ,
  week: WEEK,
  entries,
  previous: [],
  budget: { teamWeeklyUsd: 14 },
  nowMs: WEEK.endMs,
});

describe('chartSpec', () => {
  it('GIVEN a week with a budget THEN daily bars stacked by model and a budget-pace rule (snapshot)', () => {
    expect(chartSpec(summary)).toMatchSnapshot();
  });

  it('GIVEN no budget THEN no pace rule', () => {
    const { budget: _, ...noBudget } = summary;
    const spec = chartSpec(noBudget);
    expect('layer' in spec && spec.layer).toHaveLength(1);
  });
});

describe('renderChartSvg and renderChartPng', () => {
  const spec = chartSpec(summary);
  let svg = '';
  let png: Uint8Array = new Uint8Array();

  // The first vega render costs a few hundred ms: render once for the file.
  beforeAll(async () => {
    svg = await renderChartSvg(spec);
    png = await renderChartPng(spec);
  });

  it('GIVEN the spec THEN a PNG of exactly the spec size', () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const header = new DataView(png.buffer, png.byteOffset + 8, 25);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect(header.getUint32(8)).toBe(CHART_WIDTH_PX);
    expect(header.getUint32(12)).toBe(CHART_HEIGHT_PX);
    expect('width' in spec && spec.width).toBe(CHART_WIDTH_PX);
    expect('height' in spec && spec.height).toBe(CHART_HEIGHT_PX);
  });

  it('GIVEN the spec THEN the SVG carries the title, the local days, the dollar axis and the pace label in DejaVu Sans', () => {
    expect(svg).toContain(`width="${CHART_WIDTH_PX}" height="${CHART_HEIGHT_PX}"`);
    expect(svg).toContain('Spend by day, 2026-W44: $');
    // 1 November is the day New York's clocks go back: still one day on the axis.
    for (const day of ['Mon 26 Oct', 'Sat 31 Oct', 'Sun 1 Nov']) expect(svg).toContain(day);
    expect(svg).toContain('$0.00');
    expect(svg).toContain('budget pace $2.00/day');
    expect(svg).toContain('Llama 4 Maverick');
    expect(svg).toContain('font-family="DejaVu Sans');
  });

  it('GIVEN the fonts THEN the PNG has its text: the same SVG drawn with no fonts (all text dropped) is far smaller', () => {
    const bare = new Resvg(svg, { font: { loadSystemFonts: false }, background: 'white' }).render().asPng();
    expect(png.length).toBeGreaterThan(1.5 * bare.length);
  });
});
