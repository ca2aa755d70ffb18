/**
 * The weekly spend summary: what a team spent in one ISO week of its own time
 * zone, where it went, how it compares with the week before, what routing to
 * Scout saved, the budget, a projection and what to do about it. Pure: the
 * ledger entries, the time and Maverick's price and speed are passed in.
 */
import { type LedgerEntry, type SpendTotals, spendTotals } from './ledger-entry.ts';
import { jobCost, type Pricing } from './pricing.ts';
import { isoWeekIn, localDayKey, parseIsoWeekIn, type WeekRange, weekDayKeys } from './week.ts';

/** 365.25 days ÷ 12 months: the average month, so a projection is neither 28 nor 31 days. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** Boot and idle time above this share of the pod's cost is worth a policy change. */
export const IDLE_SHARE_THRESHOLD = 0.25;
/** One person above this share of a team's spend is worth a look. */
export const USER_SHARE_THRESHOLD = 0.6;
/** At least this many failed requests, and this share of all requests, is worth a look. */
export const FAILED_MIN = 5;
export const FAILED_SHARE_THRESHOLD = 0.2;

/** The ledger's user for a pod run that served no answer (src/runpod/controller.ts): nobody to talk to. */
const UNATTRIBUTED_USER_ID = 'pod';

/**
 * What Maverick would charge for an answer, to price Scout's answers as if they
 * had run on Maverick. The same `jobCost` formula charges Maverick's real answers.
 */
export interface MaverickBasis {
  /** Maverick's pricing as its queue is charged (the `EndpointPlan`'s `pricing`: GPUs, price per GPU-hour, slots). */
  pricing: Pricing;
  /** One stream's decode speed on Maverick's pod, tokens/s. */
  decodeTokensPerSec: number;
  /** Prompt processing, tokens/s; absent when not measured, and then the estimate counts decode time only (a lower bound). */
  promptTokensPerSec?: number;
  /** Where the speeds come from, e.g. `/fit speed model, 2× H100 SXM, Q4_K_M`. */
  source: string;
}

export interface SummaryInput {
  team: string;
  /** IANA zone the team's weeks and days are counted in, e.g. `Europe/Berlin`. */
  timeZone: string;
  week: WeekRange;
  /** This week's ledger entries (answers, failures and pod settlements). */
  entries: readonly LedgerEntry[];
  /** Last week's entries, for the comparison. */
  previous: readonly LedgerEntry[];
  budget?: { teamWeeklyUsd?: number; userWeeklyUsd?: number };
  nowMs: number;
  /** Maverick's price and speed; without it the routing savings are not estimated. */
  maverick?: MaverickBasis;
}

export interface ModelSpend {
  model: string;
  hardware: string;
  provider: 'local' | 'runpod';
  costUsd: number;
  /** Answers (pod settlements add money, not answers). */
  requests: number;
}

export interface UserSpend {
  user: string;
  userId: string;
  costUsd: number;
  requests: number;
  /** Of the week's total, 0–1. */
  share: number;
  /** The share in percent, rounded to 0.1 so that all users' add to exactly 100 (largest remainder). */
  sharePercent: number;
}

export interface GpuTime {
  billedHours: number;
  busyHours: number;
  /** Pod boot and idle time, GPU-hours. */
  idleHours: number;
  /** What the pods' boot and idle time cost, USD. */
  idleUsd: number;
  /** Everything spent on rented pods (answers and settlements), USD. */
  podUsd: number;
  /** idleUsd ÷ podUsd; null when nothing was spent on pods. */
  idleShareOfPod: number | null;
}

/** Scout's answers priced as if Maverick had served them: an estimate. */
export interface SavingsEstimate {
  estimate: true;
  /** Answers that ran on local GPUs (Scout). */
  answers: number;
  /** What they cost on Scout, USD. */
  actualUsd: number;
  /** What they would have cost on Maverick, USD (busy time only). */
  maverickUsd: number;
  /** maverickUsd − actualUsd. */
  savedUsd: number;
  /** The week's spend had every answer gone to Maverick: the Maverick spend that happened plus maverickUsd. */
  allOnMaverickUsd: number;
  /** Seconds Maverick would have needed for Scout's answers. */
  maverickSeconds: number;
  /** How it was computed, in words, with the speeds' source. */
  basis: string;
}

export interface BudgetStatus {
  team?: {
    weeklyUsd: number;
    usedUsd: number;
    /** Never negative; see overUsd. */
    leftUsd: number;
    overUsd: number;
    usedFraction: number;
    projectedWeekUsd: number;
  };
  user?: {
    weeklyUsd: number;
    /** Users above the per-user budget, highest first. */
    over: { user: string; userId: string; costUsd: number; overUsd: number }[];
  };
}

export interface Projection {
  weekUsd: number;
  monthUsd: number;
  /** The average spend per day the projection uses, USD. */
  perDayUsd: number;
  basis: 'full-week' | 'this-week' | 'last-week' | 'not-started';
  /** The method in words, with its numbers. */
  method: string;
}

/** One bar segment of the chart: a model's spend on one local day. */
export interface DailySpend {
  /** `YYYY-MM-DD` in the team's zone. */
  day: string;
  model: string;
  costUsd: number;
}

export type RecommendationKind =
  | 'budget-exceeded'
  | 'budget-projected'
  | 'user-budget'
  | 'idle-share'
  | 'user-share'
  | 'failures'
  | 'no-spend';

export interface Recommendation {
  kind: RecommendationKind;
  /** Plain advice that quotes its number. */
  text: string;
  /** The number that triggered it (a share 0–1 or USD, as the kind says). */
  value: number;
  threshold: number;
}

export interface WeeklySummary {
  team: string;
  timeZone: string;
  week: WeekRange;
  /** The seven local days, Monday first. */
  days: string[];
  /** Days of the week gone at nowMs, 0–7 (DST-aware: a share of the week's real length × 7). */
  elapsedDays: number;
  /** This week's totals as `spendTotals` computes them (shares exact, not rounded). */
  totals: SpendTotals;
  totalUsd: number;
  requests: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  previous: {
    label: string;
    totalUsd: number;
    requests: number;
    /** Last week's spend up to the same point of the week as nowMs (all of it once this week is over). */
    toDateUsd: number;
  };
  /**
   * Against last week up to the same point (a week in progress is not compared
   * with a whole one): USD and a fraction, null when last week had spent $0 by then.
   */
  change: { usd: number; fraction: number | null; against: 'full-week' | 'same-point' };
  byModel: ModelSpend[];
  byUser: UserSpend[];
  gpu: GpuTime;
  /** Total ÷ answers, boot and idle included; null with no answers. */
  avgCostPerAnswerUsd: number | null;
  /** Undefined when Maverick's price or speed is not known. */
  savings?: SavingsEstimate;
  budget?: BudgetStatus;
  projection: Projection;
  /** Every day × model, zeros included, days in order. */
  daily: DailySpend[];
  /** Fired advice, most urgent first. */
  recommendations: Recommendation[];
}

function sumOf<T>(items: readonly T[], value: (x: T) => number): number {
  return items.reduce((s, x) => s + value(x), 0);
}

/**
 * Round `values` to multiples of 1/`unitsPerWhole` of `whole` so that they add
 * up to exactly `unitsPerWhole` units (largest remainder method). Returns units.
 */
export function apportion(values: readonly number[], whole: number, unitsPerWhole: number): number[] {
  if (whole <= 0 || values.length === 0) return values.map(() => 0);
  const exact = values.map((v) => (v / whole) * unitsPerWhole);
  const floors = exact.map(Math.floor);
  let left = unitsPerWhole - sumOf(floors, (x) => x);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    left -= 1;
  }
  return floors;
}

function money(x: number): string {
  const text = Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${x < 0 ? '-' : ''}$${text}`;
}

/** A user name as advice quotes it: platforms allow long ones. */
function name(user: string): string {
  return user.length <= 48 ? user : `${user.slice(0, 47)}…`;
}

function percent(fraction: number): string {
  return `${Math.round(100 * fraction)} %`;
}

function byModelOf(ok: readonly LedgerEntry[]): ModelSpend[] {
  const rows = new Map<string, ModelSpend>();
  for (const e of ok) {
    const key = `${e.model}\u0000${e.hardware}\u0000${e.provider}`;
    const row = rows.get(key) ?? {
      model: e.model,
      hardware: e.hardware,
      provider: e.provider,
      costUsd: 0,
      requests: 0,
    };
    row.costUsd += e.costUsd;
    row.requests += e.kind === 'pod-share' ? 0 : 1;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.costUsd - a.costUsd);
}

function elapsedDaysOf(week: WeekRange, nowMs: number): number {
  const gone = Math.min(week.endMs, Math.max(week.startMs, nowMs)) - week.startMs;
  return (7 * gone) / (week.endMs - week.startMs);
}

/**
 * The week and the month at the average spend per day: a finished week's spend
 * ÷ 7; a week in progress, the spend so far ÷ the days gone; under a day in,
 * last week's average when there was one (a few hours say little about a week).
 */
function projectionOf(totalUsd: number, previousUsd: number, elapsedDays: number): Projection {
  const month = (perDayUsd: number) => perDayUsd * DAYS_PER_MONTH;
  const monthWords = `× ${DAYS_PER_MONTH.toFixed(2)} days a month (365.25 ÷ 12)`;
  if (elapsedDays >= 7) {
    const perDayUsd = totalUsd / 7;
    return {
      weekUsd: totalUsd,
      monthUsd: month(perDayUsd),
      perDayUsd,
      basis: 'full-week',
      method: `the full week's ${money(totalUsd)} ÷ 7 days = ${money(perDayUsd)}/day, ${monthWords}`,
    };
  }
  if (elapsedDays < 1 && previousUsd > 0) {
    const perDayUsd = previousUsd / 7;
    return {
      weekUsd: totalUsd + perDayUsd * (7 - elapsedDays),
      monthUsd: month(perDayUsd),
      perDayUsd,
      basis: 'last-week',
      method: `under a day of this week gone: ${money(totalUsd)} so far plus last week's ${money(perDayUsd)}/day for the ${(7 - elapsedDays).toFixed(1)} days left; the month at ${money(perDayUsd)}/day ${monthWords}`,
    };
  }
  if (elapsedDays <= 0) {
    return { weekUsd: 0, monthUsd: 0, perDayUsd: 0, basis: 'not-started', method: 'the week has not started' };
  }
  const perDayUsd = totalUsd / elapsedDays;
  return {
    weekUsd: perDayUsd * 7,
    monthUsd: month(perDayUsd),
    perDayUsd,
    basis: 'this-week',
    method: `${money(totalUsd)} in the first ${elapsedDays.toFixed(1)} days = ${money(perDayUsd)}/day, × 7 for the week, ${monthWords}${elapsedDays < 1 ? ' (under a day of data)' : ''}`,
  };
}

function savingsOf(
  answers: readonly LedgerEntry[],
  runpodUsd: number,
  maverick: MaverickBasis | undefined,
): SavingsEstimate | undefined {
  if (!maverick || !(maverick.decodeTokensPerSec > 0)) return undefined;
  const scout = answers.filter((e) => e.provider === 'local');
  const prompt = maverick.promptTokensPerSec !== undefined && maverick.promptTokensPerSec > 0;
  let maverickSeconds = 0;
  let maverickUsd = 0;
  for (const e of scout) {
    const seconds =
      e.completionTokens / maverick.decodeTokensPerSec +
      (prompt ? e.promptTokens / (maverick.promptTokensPerSec ?? 1) : 0);
    maverickSeconds += seconds;
    maverickUsd += jobCost(maverick.pricing, seconds).costUsd;
  }
  const actualUsd = sumOf(scout, (e) => e.costUsd);
  const perHour = jobCost(maverick.pricing, 3600);
  const speeds = `${maverick.decodeTokensPerSec.toFixed(1)} tok/s decode${
    prompt
      ? `, ${(maverick.promptTokensPerSec ?? 0).toFixed(0)} tok/s prompt`
      : ' (prompt time not counted: a lower bound)'
  }`;
  return {
    estimate: true,
    answers: scout.length,
    actualUsd,
    maverickUsd,
    savedUsd: maverickUsd - actualUsd,
    allOnMaverickUsd: runpodUsd + maverickUsd,
    maverickSeconds,
    basis: `${scout.length} Scout answer${scout.length === 1 ? "'s" : "s'"} tokens at Maverick's estimated ${speeds} (${maverick.source}) = ${maverickSeconds.toFixed(0)} s × ${money(perHour.costUsd)}/h (${perHour.basis.replace(/ × 3600\.00 s( busy)?/, '')}); busy time only — any extra pod boot and idle time is not counted`,
  };
}

function budgetOf(
  budget: SummaryInput['budget'],
  totalUsd: number,
  users: readonly UserSpend[],
  projection: Projection,
): BudgetStatus | undefined {
  if (budget?.teamWeeklyUsd === undefined && budget?.userWeeklyUsd === undefined) return undefined;
  const status: BudgetStatus = {};
  const team = budget.teamWeeklyUsd;
  if (team !== undefined && team > 0) {
    status.team = {
      weeklyUsd: team,
      usedUsd: totalUsd,
      leftUsd: Math.max(0, team - totalUsd),
      overUsd: Math.max(0, totalUsd - team),
      usedFraction: totalUsd / team,
      projectedWeekUsd: projection.weekUsd,
    };
  }
  const perUser = budget.userWeeklyUsd;
  if (perUser !== undefined && perUser > 0) {
    status.user = {
      weeklyUsd: perUser,
      over: users
        .filter((u) => u.costUsd > perUser && u.userId !== UNATTRIBUTED_USER_ID)
        .map((u) => ({ user: u.user, userId: u.userId, costUsd: u.costUsd, overUsd: u.costUsd - perUser })),
    };
  }
  return status;
}

function recommendationsOf(s: Omit<WeeklySummary, 'recommendations'>): Recommendation[] {
  const out: Recommendation[] = [];
  const team = s.budget?.team;
  if (team && team.usedUsd > team.weeklyUsd) {
    out.push({
      kind: 'budget-exceeded',
      text: `The team's weekly budget is spent: ${money(team.usedUsd)} of ${money(team.weeklyUsd)} (${percent(team.usedFraction)}). Route more to Scout or raise the budget.`,
      value: team.usedUsd,
      threshold: team.weeklyUsd,
    });
  } else if (team && team.projectedWeekUsd > team.weeklyUsd) {
    out.push({
      kind: 'budget-projected',
      text: `At ${money(s.projection.perDayUsd)}/day the week ends near ${money(team.projectedWeekUsd)}, over the ${money(team.weeklyUsd)} budget: route more to Scout or stop the pod sooner.`,
      value: team.projectedWeekUsd,
      threshold: team.weeklyUsd,
    });
  }
  const over = s.budget?.user?.over[0];
  if (over && s.budget?.user) {
    const more = s.budget.user.over.length - 1;
    out.push({
      kind: 'user-budget',
      text: `${name(over.user)} spent ${money(over.costUsd)}, over the ${money(s.budget.user.weeklyUsd)} per-person budget${more > 0 ? ` (and ${more} more)` : ''}.`,
      value: over.costUsd,
      threshold: s.budget.user.weeklyUsd,
    });
  }
  const idleShare = s.gpu.idleShareOfPod;
  if (idleShare !== null && idleShare > IDLE_SHARE_THRESHOLD) {
    out.push({
      kind: 'idle-share',
      text: `Pod boot and idle time was ${percent(idleShare)} of the pod's cost (${money(s.gpu.idleUsd)} of ${money(s.gpu.podUsd)}): shorten the idle stop (MAVERICK_POLICY=idle-stop-<N>m) or use the adaptive policy.`,
      value: idleShare,
      threshold: IDLE_SHARE_THRESHOLD,
    });
  }
  const people = s.byUser.filter((u) => u.userId !== UNATTRIBUTED_USER_ID);
  const top = people[0];
  if (people.length >= 2 && top && top.share > USER_SHARE_THRESHOLD) {
    out.push({
      kind: 'user-share',
      text: `${name(top.user)} accounts for ${percent(top.share)} of the spend (${money(top.costUsd)}): worth a word about which questions need Maverick.`,
      value: top.share,
      threshold: USER_SHARE_THRESHOLD,
    });
  }
  const asked = s.requests + s.failed;
  if (s.failed >= FAILED_MIN && s.failed / asked > FAILED_SHARE_THRESHOLD) {
    out.push({
      kind: 'failures',
      text: `${s.failed} of ${asked} requests failed (${percent(s.failed / asked)}, not charged): check the model servers' logs.`,
      value: s.failed / asked,
      threshold: FAILED_SHARE_THRESHOLD,
    });
  }
  if (s.totalUsd === 0 && s.requests === 0) {
    out.push({
      kind: 'no-spend',
      text: `Nothing spent this week (${money(0)}, no answers${s.failed ? `, ${s.failed} failed` : ''}): nothing to change.`,
      value: 0,
      threshold: 0,
    });
  }
  return out;
}

/**
 * The week's summary. Totals are the plain sums of the entries (failed ones
 * cost nothing and are counted apart); the savings are an estimate and say how.
 */
export function weeklySummary(input: SummaryInput): WeeklySummary {
  const { team, timeZone, week, nowMs } = input;
  const totals = spendTotals(input.entries);
  const prev = spendTotals(input.previous);
  const ok = input.entries.filter((e) => e.status === 'ok');
  const answers = ok.filter((e) => e.kind !== 'pod-share');
  const pod = ok.filter((e) => e.provider === 'runpod');
  const podUsd = sumOf(pod, (e) => e.costUsd);

  const percents = apportion(
    totals.byUser.map((u) => u.costUsd),
    totals.totalUsd,
    1000,
  );
  const byUser = totals.byUser.map((u, i) => ({ ...u, sharePercent: (percents[i] ?? 0) / 10 }));

  const days = weekDayKeys(week);
  const models = byModelOf(ok)
    .map((m) => m.model)
    .filter((m, i, all) => all.indexOf(m) === i);
  const cells = new Map<string, number>();
  for (const e of ok) {
    const key = `${localDayKey(e.endedAtMs, timeZone)}\u0000${e.model}`;
    cells.set(key, (cells.get(key) ?? 0) + e.costUsd);
  }
  // An entry outside the week's days (the caller's range was wider) still shows, so the bars add up to the total.
  const extraDays = [...cells.keys()].map((k) => k.split('\u0000')[0] ?? '').filter((d) => !days.includes(d));
  const allDays = [...new Set([...days, ...extraDays])].sort();
  const daily = allDays.flatMap((day) =>
    models.map((model) => ({ day, model, costUsd: cells.get(`${day}\u0000${model}`) ?? 0 })),
  );

  const elapsedDays = elapsedDaysOf(week, nowMs);
  const previousLabel = isoWeekIn(week.startMs - 1, timeZone).label;
  const complete = elapsedDays >= 7;
  // The same point of last week: as far into it as nowMs is into this one.
  const previousCutMs = (parseIsoWeekIn(previousLabel, timeZone)?.startMs ?? 0) + Math.max(0, nowMs - week.startMs);
  const previousToDateUsd = complete
    ? prev.totalUsd
    : spendTotals(input.previous.filter((e) => e.endedAtMs < previousCutMs)).totalUsd;
  const projection = projectionOf(totals.totalUsd, prev.totalUsd, elapsedDays);
  const base: Omit<WeeklySummary, 'recommendations'> = {
    team,
    timeZone,
    week,
    days,
    elapsedDays,
    totals,
    totalUsd: totals.totalUsd,
    requests: totals.requests,
    failed: totals.failed,
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    previous: { label: previousLabel, totalUsd: prev.totalUsd, requests: prev.requests, toDateUsd: previousToDateUsd },
    change: {
      usd: totals.totalUsd - previousToDateUsd,
      fraction: previousToDateUsd > 0 ? (totals.totalUsd - previousToDateUsd) / previousToDateUsd : null,
      against: complete ? 'full-week' : 'same-point',
    },
    byModel: byModelOf(ok),
    byUser,
    gpu: {
      billedHours: totals.gpuSeconds / 3600,
      busyHours: totals.busyGpuSeconds / 3600,
      idleHours: (totals.gpuSeconds - totals.busyGpuSeconds) / 3600,
      idleUsd: totals.idleUsd,
      podUsd,
      idleShareOfPod: podUsd > 0 ? totals.idleUsd / podUsd : null,
    },
    avgCostPerAnswerUsd: answers.length > 0 ? totals.totalUsd / answers.length : null,
    projection,
    daily,
  };
  const savings = savingsOf(answers, podUsd, input.maverick);
  if (savings) base.savings = savings;
  const budget = budgetOf(input.budget, totals.totalUsd, byUser, projection);
  if (budget) base.budget = budget;
  return { ...base, recommendations: recommendationsOf(base) };
}
