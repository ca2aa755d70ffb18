/**
 * The weekly summary's chart: daily spend stacked by model, with the budget's
 * daily pace as a line. `chartSpec` is pure; the renderers run vega headless
 * (renderer 'none', no canvas) and rasterise the SVG with resvg and the DejaVu
 * fonts shipped in `dejavu-fonts-ttf` (with no fonts loaded, resvg drops all text).
 *
 * Why a daily pace line (weekly budget ÷ 7) rather than cumulative spend against
 * the budget: the bars are daily amounts, and a rule on the same scale shows at
 * a glance which days ran over pace; a cumulative line would need a second
 * axis seven times taller. The text reply carries the week's used/left numbers.
 */
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { WeeklySummary } from './summary.ts';
import { dayLabel } from './summary-present.ts';

/** The PNG's size in pixels: the whole image, axes and legend included (autosize `fit`). */
export const CHART_WIDTH_PX = 720;
export const CHART_HEIGHT_PX = 360;
export const CHART_FONT = 'DejaVu Sans';

/**
 * A vega-lite spec for the week: one bar per local day, stacked by model; a
 * dashed rule at the team's weekly budget ÷ 7 when there is a budget.
 */
export function chartSpec(s: WeeklySummary): TopLevelSpec {
  const dayOrder = [...new Set(s.daily.map((d) => d.day))].map(dayLabel);
  const models = [...new Set(s.daily.map((d) => d.model))];
  const values = s.daily.map((d) => ({ day: dayLabel(d.day), model: d.model, costUsd: round6(d.costUsd) }));
  const bars = {
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'day', type: 'nominal' as const, sort: dayOrder, title: null, axis: { labelAngle: 0 } },
      y: {
        field: 'costUsd',
        type: 'quantitative' as const,
        aggregate: 'sum' as const,
        title: 'USD',
        axis: { format: '$,.2f' },
      },
      color: {
        field: 'model',
        type: 'nominal' as const,
        title: 'Model',
        scale: { domain: models, scheme: 'tableau10' },
        legend: { orient: 'bottom' as const },
      },
      tooltip: [
        { field: 'day', type: 'nominal' as const },
        { field: 'model', type: 'nominal' as const },
        { field: 'costUsd', type: 'quantitative' as const, format: '$,.2f' },
      ],
    },
  };
  const weekly = s.budget?.team?.weeklyUsd;
  const pace =
    weekly !== undefined
      ? [
          {
            data: { values: [{ paceUsd: round6(weekly / 7), label: `budget pace ${dollars(weekly / 7)}/day` }] },
            layer: [
              {
                mark: { type: 'rule' as const, color: '#c0392b', strokeDash: [6, 4], strokeWidth: 2 },
                encoding: { y: { field: 'paceUsd', type: 'quantitative' as const } },
              },
              {
                mark: {
                  type: 'text' as const,
                  align: 'right' as const,
                  baseline: 'bottom' as const,
                  dy: -4,
                  color: '#c0392b',
                  x: 'width' as const,
                },
                encoding: {
                  y: { field: 'paceUsd', type: 'quantitative' as const },
                  text: { field: 'label', type: 'nominal' as const },
                },
              },
            ],
          },
        ]
      : [];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Spend by day, ${s.week.label}: ${dollars(s.totalUsd)}`,
      subtitle: `Days in ${s.timeZone}`,
      anchor: 'start',
    },
    width: CHART_WIDTH_PX,
    height: CHART_HEIGHT_PX,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    config: { font: CHART_FONT, view: { stroke: null } },
    data: { values },
    layer: [bars, ...pace],
  };
}

function dollars(usd: number): string {
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Money to a micro-dollar: the spec (and its snapshot) stays free of float noise. */
function round6(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** The spec as SVG text, laid out by vega headless. Throws on an invalid spec. */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let fontFiles: string[] | undefined;

/** DejaVu Sans regular and bold from the `dejavu-fonts-ttf` package, found through the module resolver. */
function chartFontFiles(): string[] {
  if (!fontFiles) {
    const pkg = import.meta.resolve('dejavu-fonts-ttf/package.json');
    fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) =>
      decodeURIComponent(new URL(`ttf/${f}`, pkg).pathname),
    );
  }
  return fontFiles;
}

/** The spec as a PNG the size of the spec (CHART_WIDTH_PX × CHART_HEIGHT_PX). Throws on an invalid spec. */
export async function renderChartPng(spec: TopLevelSpec): Promise<Uint8Array> {
  const svg = await renderChartSvg(spec);
  const resvg = new Resvg(svg, {
    font: { fontFiles: chartFontFiles(), loadSystemFonts: false, defaultFontFamily: CHART_FONT },
    fitTo: { mode: 'original' },
    background: 'white',
  });
  return new Uint8Array(resvg.render().asPng());
}
