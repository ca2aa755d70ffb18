/**
 * The weekly summary as a neutral Reply (text that reads well without the
 * chart, which rides along as an attachment) and as `fitbot spend --json`. Pure.
 */
import type { Reply, ReplyField } from '../command/reply.ts';
import { DAY_NAMES } from '../time/zone.ts';
import { spendJson } from './ledger-entry.ts';
import { apportion, type WeeklySummary } from './summary.ts';

// The strictest of the renderers' limits (src/adapters/discord/render.ts,
// src/adapters/slack/render.ts): a Discord field value holds 1024 characters and
// an embed 6000 in all; a Slack header 150, a section 3000.
const FIELD_VALUE_CHARS = 1024;
const TEXT_CHARS = 3000;
const TITLE_CHARS = 150;
/** Rows a list shows before "… and N more". */
const MAX_ROWS = 10;
/** A name longer than this is cut, so ten rows fit a field. */
const NAME_CHARS = 48;
/** Recommendations the reply shows; the JSON has them all. */
const MAX_RECOMMENDATIONS = 2;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function usd(x: number): string {
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  if (a > 0 && a < 0.01) return `${sign}$${a.toPrecision(2)}`;
  return `${sign}$${a.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Cents from a largest-remainder split, so the rows add up to the total shown; `<$0.01` for a sliver. */
function centsText(cents: number, exactUsd: number): string {
  if (cents === 0 && exactUsd > 0) return '<$0.01';
  return usd(cents / 100);
}

function pct(fraction: number): string {
  return `${Math.round(100 * fraction)} %`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `2026-03-23` → `Mon 23 Mar`. */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
  return `${DAY_NAMES[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

/** Lines joined until the field is full; the rest summed in one last line. */
function listValue(lines: readonly string[], rest: (shown: number) => string): string {
  const shown: string[] = [];
  for (const line of lines.slice(0, MAX_ROWS)) {
    const candidate = [...shown, line].join('\n');
    // Leave room for the "… and N more" line.
    if (candidate.length > FIELD_VALUE_CHARS - 80) break;
    shown.push(line);
  }
  if (shown.length < lines.length) shown.push(rest(shown.length));
  return shown.join('\n') || '—';
}

function changeText(s: WeeklySummary): string {
  const p = s.previous;
  const samePoint = s.change.against === 'same-point';
  const prev = samePoint
    ? `${p.label} by the same point (${usd(p.toDateUsd)}; ${usd(p.totalUsd)} in all)`
    : `${p.label}'s ${usd(p.totalUsd)}`;
  if (s.change.fraction === null) {
    if (s.totalUsd <= 0) return '';
    return samePoint
      ? `${p.label} had spent nothing by this point (${usd(p.totalUsd)} in all)`
      : `nothing spent in ${p.label}`;
  }
  if (Math.abs(s.change.usd) < 0.005) return `the same as ${prev}`;
  const dir = s.change.usd > 0 ? 'up' : 'down';
  return `${dir} ${pct(Math.abs(s.change.fraction))} (${s.change.usd > 0 ? '+' : ''}${usd(s.change.usd)}) on ${prev}`;
}

function weekSpan(s: WeeklySummary): string {
  const first = s.days[0] ?? '';
  const last = s.days[6] ?? '';
  return `${dayLabel(first)} – ${dayLabel(last)}, ${s.timeZone}`;
}

function headline(s: WeeklySummary): string {
  const sofar = s.elapsedDays < 7 ? `; ${s.elapsedDays.toFixed(1)} of 7 days gone` : '';
  const change = changeText(s);
  const answers = `${count(s.requests, 'answer')}${s.failed ? ` (+${s.failed} failed, not charged)` : ''}`;
  const tokens = `${s.promptTokens.toLocaleString('en-US')} tokens in, ${s.completionTokens.toLocaleString('en-US')} out`;
  const avg =
    s.avgCostPerAnswerUsd !== null
      ? `; ${usd(s.avgCostPerAnswerUsd)} an answer on average, boot and idle included`
      : '';
  return [
    `**${usd(s.totalUsd)}** ${s.elapsedDays < 7 ? 'so far ' : ''}in ${s.week.label} (${weekSpan(s)}${sofar})${change ? ` — ${change}` : ''}.`,
    `${answers}, ${tokens}${avg}.`,
  ].join('\n');
}

function modelField(s: WeeklySummary, cents: readonly number[]): ReplyField {
  const lines = s.byModel.map(
    (m, i) =>
      `${cut(m.model, NAME_CHARS)} on ${cut(m.hardware, NAME_CHARS)} (${m.provider === 'runpod' ? 'RunPod' : 'local'}): ${centsText(cents[i] ?? 0, m.costUsd)}, ${count(m.requests, 'answer')}`,
  );
  return {
    name: 'By model and hardware',
    value: listValue(lines, (shown) => `… and ${s.byModel.length - shown} more`),
  };
}

function userField(s: WeeklySummary, cents: readonly number[]): ReplyField {
  const lines = s.byUser.map(
    (u, i) =>
      `${cut(u.user, NAME_CHARS)}: ${centsText(cents[i] ?? 0, u.costUsd)}, ${u.sharePercent.toFixed(1)} % (${count(u.requests, 'answer')})`,
  );
  return {
    name: 'By user',
    value: listValue(lines, (shown) => {
      const rest = s.byUser.slice(shown);
      const share = rest.reduce((sum, u) => sum + u.sharePercent, 0);
      return `… and ${rest.length} more: ${usd(rest.reduce((sum, u) => sum + u.costUsd, 0))}, ${share.toFixed(1)} %`;
    }),
  };
}

function gpuField(s: WeeklySummary): ReplyField {
  const g = s.gpu;
  const hours = `${g.billedHours.toFixed(2)} GPU-hours billed, ${g.busyHours.toFixed(2)} busy`;
  const idle =
    g.idleShareOfPod !== null && g.idleUsd !== 0
      ? `\nPod boot and idle: ${g.idleHours.toFixed(2)} GPU-hours, ${usd(g.idleUsd)} (${pct(g.idleShareOfPod)} of the pod's ${usd(g.podUsd)})`
      : '';
  return { name: 'GPU time', value: `${hours}.${idle}` };
}

function budgetField(s: WeeklySummary): ReplyField | undefined {
  const b = s.budget;
  if (!b) return undefined;
  const lines: string[] = [];
  if (b.team) {
    const left = b.team.overUsd > 0 ? `**${usd(b.team.overUsd)} over**` : `${usd(b.team.leftUsd)} left`;
    const projected = s.elapsedDays < 7 ? `; the week heads for ${usd(b.team.projectedWeekUsd)}` : '';
    lines.push(
      `Team: ${usd(b.team.usedUsd)} of ${usd(b.team.weeklyUsd)} (${pct(b.team.usedFraction)}), ${left}${projected}.`,
    );
  }
  if (b.user) {
    const over = b.user.over.slice(0, 5).map((u) => `${cut(u.user, NAME_CHARS)} by ${usd(u.overUsd)}`);
    const more = b.user.over.length > 5 ? ` and ${b.user.over.length - 5} more` : '';
    lines.push(
      `Per person ${usd(b.user.weeklyUsd)}: ${over.length ? `over — ${over.join(', ')}${more}.` : 'nobody over.'}`,
    );
  }
  return { name: 'Budget', value: cut(lines.join('\n'), FIELD_VALUE_CHARS) };
}

function projectionField(s: WeeklySummary): ReplyField {
  const p = s.projection;
  const value =
    p.basis === 'not-started'
      ? 'The week has not started.'
      : `Month ≈ **${usd(p.monthUsd)}**${p.basis === 'full-week' ? '' : `, week ≈ ${usd(p.weekUsd)}`}: ${p.method}.`;
  return { name: 'Projection', value: cut(value, FIELD_VALUE_CHARS) };
}

function savingsField(s: WeeklySummary): ReplyField | undefined {
  const v = s.savings;
  if (!v) {
    return s.requests > 0
      ? { name: 'Routing savings', value: "Not estimated: Maverick's price or speed is not known." }
      : undefined;
  }
  if (v.answers === 0) return { name: 'Routing savings (estimate)', value: 'No answers ran on Scout this week.' };
  const head = `Scout's ${count(v.answers, 'answer')} cost ${usd(v.actualUsd)}; on Maverick ≈ ${usd(v.maverickUsd)}, so routing saved ≈ **${usd(v.savedUsd)}**. All on Maverick ≈ ${usd(v.allOnMaverickUsd)} against ${usd(s.totalUsd)} spent.`;
  return { name: 'Routing savings (estimate)', value: cut(`${head}\n${v.basis}.`, FIELD_VALUE_CHARS) };
}

function dailyField(s: WeeklySummary): ReplyField {
  const perDay = new Map<string, number>();
  for (const d of s.daily) perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.costUsd);
  const days = [...perDay.keys()];
  const peak = days.reduce<string | undefined>(
    (best, d) => (best === undefined || (perDay.get(d) ?? 0) > (perDay.get(best) ?? 0) ? d : best),
    undefined,
  );
  const value = days
    .map((d) => `${dayLabel(d)}: ${usd(perDay.get(d) ?? 0)}${d === peak && (perDay.get(d) ?? 0) > 0 ? ' (peak)' : ''}`)
    .join('\n');
  return { name: `By day (${s.timeZone})`, value: cut(value, FIELD_VALUE_CHARS), inline: false };
}

function recommendationsField(s: WeeklySummary): ReplyField | undefined {
  const shown = s.recommendations.slice(0, MAX_RECOMMENDATIONS);
  if (shown.length === 0) return undefined;
  return {
    name: shown.length === 1 ? 'Recommendation' : 'Recommendations',
    value: cut(shown.map((r) => `• ${r.text}`).join('\n'), FIELD_VALUE_CHARS),
  };
}

/** Alt text for the chart, so a screen reader hears what the picture shows. */
export function chartAlt(s: WeeklySummary): string {
  const perDay = new Map<string, number>();
  for (const d of s.daily) perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.costUsd);
  const days = [...perDay.entries()].map(([d, usdDay]) => `${dayLabel(d)} ${usd(usdDay)}`).join(', ');
  return `Daily spend by model, ${s.week.label} (${s.timeZone}): ${days}.`;
}

/**
 * The summary as a Reply: a headline with the total and the change, then
 * fields by model, user, GPU time, budget, projection, savings and day, and at
 * most two recommendations. Pass the chart's PNG to attach it.
 */
export function summaryReply(s: WeeklySummary, chartPng?: Uint8Array): Reply {
  const title = cut(`Spend, ${s.week.label}: ${usd(s.totalUsd)}`, TITLE_CHARS);
  const urgent = s.recommendations.some((r) => r.kind === 'budget-exceeded' || r.kind === 'budget-projected');
  const footer = `Local GPU costs are electricity estimates. Weeks run Monday 00:00 to Monday 00:00 ${s.timeZone}.`;
  const image = chartPng ? { image: { filename: `spend-${s.week.label}.png`, png: chartPng, alt: chartAlt(s) } } : {};
  if (s.requests === 0 && s.totalUsd === 0) {
    const failed = s.failed ? ` ${count(s.failed, 'request')} failed (not charged).` : '';
    const budget = budgetField(s);
    return {
      title,
      text: cut(
        `No /ask answers this week (${weekSpan(s)}): $0.00.${failed} Last week (${s.previous.label}): ${usd(s.previous.totalUsd)}.`,
        TEXT_CHARS,
      ),
      ...(budget ? { fields: [budget] } : {}),
      footer,
      tone: 'info',
    };
  }
  const totalCents = Math.round(s.totalUsd * 100);
  const modelCents = apportion(
    s.byModel.map((m) => m.costUsd),
    s.totalUsd,
    totalCents,
  );
  const userCents = apportion(
    s.byUser.map((u) => u.costUsd),
    s.totalUsd,
    totalCents,
  );
  const fields = [
    recommendationsField(s),
    modelField(s, modelCents),
    userField(s, userCents),
    gpuField(s),
    budgetField(s),
    projectionField(s),
    savingsField(s),
    dailyField(s),
  ].filter((f): f is ReplyField => f !== undefined);
  return {
    title,
    text: cut(headline(s), TEXT_CHARS),
    fields,
    footer,
    tone: urgent ? 'warning' : 'info',
    ...image,
  };
}

/** The summary as `fitbot spend --json` prints it: spendJson's fields, then the rest. */
export function summaryJson(s: WeeklySummary) {
  return {
    ...spendJson(s.team, s.week.label, s.totals),
    timeZone: s.timeZone,
    weekStart: new Date(s.week.startMs).toISOString(),
    weekEnd: new Date(s.week.endMs).toISOString(),
    elapsedDays: s.elapsedDays,
    byUser: s.byUser.map((u) => ({
      user: u.user,
      userId: u.userId,
      costUsd: u.costUsd,
      share: u.share,
      sharePercent: u.sharePercent,
      requests: u.requests,
    })),
    byModel: s.byModel.map((m) => ({
      model: m.model,
      hardware: m.hardware,
      provider: m.provider,
      costUsd: m.costUsd,
      requests: m.requests,
    })),
    previous: s.previous,
    change: s.change,
    avgCostPerAnswerUsd: s.avgCostPerAnswerUsd,
    idleGpuHours: s.gpu.idleHours,
    podUsd: s.gpu.podUsd,
    idleShareOfPod: s.gpu.idleShareOfPod,
    savings: s.savings ?? null,
    budget: s.budget ?? null,
    projection: s.projection,
    daily: s.daily,
    recommendations: s.recommendations,
  };
}
