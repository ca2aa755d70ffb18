/**
 * `fitbot simulate`: replay a trace of Maverick requests against a pod policy (or
 * every policy, `--compare`) and say what it would have cost and how long people
 * would have waited. Pure: the caller reads config and files and prints the text.
 */
import { UserError } from '../errors.ts';
import { createPolicy, FIXED_POLICIES, POLICY_HELP } from './policies.ts';
import type { Policy, PolicySettings, ScheduleWindow } from './policy.ts';
import { assertTimeZone, DAY_NAMES, formatWindows, localTime, parseWindows } from './schedule.ts';
import { type SimulationResult, type SimulationSettings, simulate } from './simulate.ts';
import { parseTrace, type TraceRequest } from './trace.ts';

/** What the simulator assumes unless told otherwise: filled by src/cli.ts from config and the /fit engine. */
export interface SimulationDefaults {
  policy: string;
  /** The whole pod, USD per hour (gpuCount × pricePerGpuHourUsd). */
  pricePerHourUsd: number;
  gpuCount: number;
  pricePerGpuHourUsd: number;
  coldStartSeconds: number;
  waitTargetSeconds: number;
  slots: number;
  windows: readonly ScheduleWindow[];
  timeZone: string;
  promptTokensPerSec: number;
  decodeTokensPerSec: number;
  /** Where the speeds come from, shown with the results. */
  speedSource: string;
}

export const SIMULATE_USAGE = `usage: fitbot simulate --trace FILE [--policy NAME] [--wait-target SECONDS] [--json] [--compare]
  --trace FILE          JSONL, one request a line: {"at": ISO-8601, "team", "user", "route", "promptTokens", "completionTokens"}
                        (only route "maverick" reaches the pod; scripts/gen-trace.ts makes one)
  --policy NAME         always-on, idle-stop-<N>m, windows or adaptive (default from MAVERICK_POLICY)
  --compare             every fixed policy and adaptive side by side
  --wait-target S       p95 wait the adaptive policy aims for and every policy is judged by
  --cold-start S        resume → model server ready
  --slots N             requests the model server runs at once
  --price USD           the whole pod per hour
  --windows "SPEC"      schedule for the windows policy, e.g. "Mon-Fri 09:00-18:00"
  --tz ZONE             IANA time zone of the windows and of the times shown
  --decode TOK/S        Maverick decode speed;  --prompt TOK/S  prompt processing speed
  --json                machine-readable output`;

const OPTIONS = {
  trace: 'string',
  policy: 'string',
  compare: 'boolean',
  'wait-target': 'number',
  'cold-start': 'number',
  slots: 'number',
  price: 'number',
  windows: 'string',
  tz: 'string',
  decode: 'number',
  prompt: 'number',
  json: 'boolean',
  help: 'boolean',
} as const;

type Options = {
  -readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends 'number'
    ? number
    : (typeof OPTIONS)[K] extends 'boolean'
      ? boolean
      : string;
};

function usageError(message: string): UserError {
  return new UserError(`${message}\n${SIMULATE_USAGE}`);
}

/** `--name value`, `--name=value` and boolean flags, against OPTIONS; throws UserError with the usage. */
export function parseSimulateArgs(argv: readonly string[]): Options {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw usageError(`unexpected argument '${arg}'`);
    const name = match[1] ?? '';
    const kind = (OPTIONS as Record<string, string>)[name];
    if (!kind) throw usageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (match[2] !== undefined) throw usageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined || (match[2] === undefined && value.startsWith('--')))
      throw usageError(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || n < 0)
        throw usageError(`--${name} must be a number ≥ 0 (got '${value}')`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as Options;
}

/** The text `fitbot simulate` prints for `argv`; throws UserError on bad options or a bad trace. */
export function simulateCli(
  argv: readonly string[],
  defaults: SimulationDefaults,
  readFile: (path: string) => string,
): string {
  const o = parseSimulateArgs(argv);
  if (o.help) return `${SIMULATE_USAGE}\n\n${POLICY_HELP}\n`;
  if (!o.trace) throw usageError('give a trace: --trace FILE');
  if (o.slots !== undefined && (!Number.isInteger(o.slots) || o.slots < 1))
    throw usageError('--slots must be a whole number ≥ 1');
  for (const speed of ['decode', 'prompt'] as const)
    if (o[speed] !== undefined && o[speed] <= 0) throw usageError(`--${speed} must be > 0`);
  const timeZone = o.tz ?? defaults.timeZone;
  assertTimeZone(timeZone);
  const sim: SimulationSettings = {
    pricePerHourUsd: o.price ?? defaults.pricePerHourUsd,
    coldStartSeconds: o['cold-start'] ?? defaults.coldStartSeconds,
    promptTokensPerSec: o.prompt ?? defaults.promptTokensPerSec,
    decodeTokensPerSec: o.decode ?? defaults.decodeTokensPerSec,
    slots: o.slots ?? defaults.slots,
    waitTargetSeconds: o['wait-target'] ?? defaults.waitTargetSeconds,
  };
  const policySettings: PolicySettings = {
    coldStartSeconds: sim.coldStartSeconds,
    waitTargetSeconds: sim.waitTargetSeconds,
    windows: o.windows === undefined ? defaults.windows : parseWindows(o.windows),
    timeZone,
    slots: sim.slots,
  };
  const names = o.compare ? [...FIXED_POLICIES, 'adaptive'] : [o.policy ?? defaults.policy];
  const policies = names.map((name) => createPolicy(name, policySettings));
  let text: string;
  try {
    text = readFile(o.trace);
  } catch (error) {
    throw new UserError(`cannot read trace '${o.trace}': ${error instanceof Error ? error.message : String(error)}`);
  }
  const trace = parseTrace(text);
  if (!trace.some((r) => r.route === 'maverick'))
    throw new UserError(`trace '${o.trace}' has no requests with route "maverick"`);
  const comparison = comparePolicies(trace, sim, policies);
  const context = { trace, sim, policySettings, defaults, timeZone };
  if (o.json) return `${JSON.stringify(toJson(comparison, context, o.compare === true), null, 2)}\n`;
  return o.compare ? compareText(comparison, context) : singleText(comparison.results[0] as PolicyRun, context);
}

interface PolicyRun {
  result: SimulationResult;
  /** The plan adaptive ended with, when the policy is adaptive. */
  plan?: string;
}

export interface Comparison {
  results: PolicyRun[];
  /** The cheapest fixed policy (not adaptive) that met the target, if any ran and met it. */
  cheapestFixed?: SimulationResult;
}

/** Simulate each policy on the trace; the cheapest fixed policy meeting the target is the yardstick. */
export function comparePolicies(
  trace: readonly TraceRequest[],
  sim: SimulationSettings,
  policies: readonly Policy[],
): Comparison {
  const results = policies.map((policy) => {
    const result = simulate(trace, policy, sim);
    const plan = 'plan' in policy && typeof policy.plan === 'function' ? planText(policy.plan()) : undefined;
    return plan ? { result, plan } : { result };
  });
  const fixed = results
    .map((r) => r.result)
    .filter((r) => r.policy !== 'adaptive' && r.metTarget)
    .sort((a, b) => a.spendUsd - b.spendUsd);
  return fixed[0] ? { results, cheapestFixed: fixed[0] } : { results };
}

function planText(plan: { windows: readonly ScheduleWindow[]; idleMs: number; why: string }): string {
  const windows = plan.windows.length > 0 ? `ready ${formatWindows(plan.windows)}; ` : '';
  return `${windows}on demand otherwise, idle stop ${plan.idleMs / 60_000} min (${plan.why})`;
}

interface Context {
  trace: readonly TraceRequest[];
  sim: SimulationSettings;
  policySettings: PolicySettings;
  defaults: SimulationDefaults;
  timeZone: string;
}

function toJson(c: Comparison, ctx: Context, compare: boolean) {
  const one = (r: PolicyRun) => ({ ...r.result, ...(r.plan ? { plan: r.plan } : {}), estimate: true });
  const settings = { ...ctx.sim, windows: formatWindows(ctx.policySettings.windows), timeZone: ctx.timeZone };
  if (!compare) return { ...one(c.results[0] as PolicyRun), settings };
  const adaptive = c.results.find((r) => r.result.policy === 'adaptive')?.result;
  return {
    settings,
    results: c.results.map(one),
    cheapestFixed: c.cheapestFixed?.policy ?? null,
    adaptiveVsCheapestFixed: adaptive && c.cheapestFixed ? adaptive.spendUsd / c.cheapestFixed.spendUsd : null,
  };
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const seconds = (n: number) => `${Math.round(n)} s`;

function stamp(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  const minute = Math.floor(t.minuteOfDay);
  return `${DAY_NAMES[t.weekday]} ${t.year}-${two(t.month)}-${two(t.day)} ${two(Math.floor(minute / 60))}:${two(minute % 60)}`;
}

function header(ctx: Context, r: SimulationResult): string[] {
  const { sim, defaults, timeZone } = ctx;
  const ignored = ctx.trace.length - r.requests;
  const days = (r.horizon.endMs - r.horizon.startMs) / 86_400_000;
  const price =
    sim.pricePerHourUsd === defaults.pricePerHourUsd
      ? `${usd(sim.pricePerHourUsd)}/h (${defaults.gpuCount} × ${usd(defaults.pricePerGpuHourUsd)} per GPU-hour)`
      : `${usd(sim.pricePerHourUsd)}/h`;
  const speed =
    sim.decodeTokensPerSec === defaults.decodeTokensPerSec && sim.promptTokensPerSec === defaults.promptTokensPerSec
      ? defaults.speedSource
      : `decode ${sim.decodeTokensPerSec} tok/s, prompt ${sim.promptTokensPerSec} tok/s (given)`;
  return [
    `Replayed ${r.requests} Maverick requests from ${stamp(r.horizon.startMs, timeZone)} to ${stamp(r.horizon.endMs, timeZone)} ${timeZone} (${days.toFixed(1)} days)${ignored > 0 ? `; ${ignored} on other routes ignored` : ''}.`,
    `Pod: ${price}, billed per second; cold start ${sim.coldStartSeconds} s; ${sim.slots} slot${sim.slots === 1 ? '' : 's'}; windows ${formatWindows(ctx.policySettings.windows) || 'none'}.`,
    `Speed: ${speed}.`,
  ];
}

const FOOTNOTE =
  'All figures are estimates: a model of the pod (exact cold start, first come first served) replaying this trace, at estimated speeds.';

function singleText(run: PolicyRun, ctx: Context): string {
  const r = run.result;
  const target = ctx.sim.waitTargetSeconds;
  const lines = [
    ...header(ctx, r),
    '',
    `Policy ${r.policy}, p95 wait target ${target} s:`,
    `  spend ≈ ${usd(r.spendUsd)} (est.) for ${r.billedHours.toFixed(1)} pod-hours: ${r.busyHours.toFixed(1)} busy, ${r.bootHours.toFixed(1)} booting, ${r.idleHours.toFixed(1)} idle; ${r.podStarts} start${r.podStarts === 1 ? '' : 's'}`,
    `  waits: p50 ${seconds(r.waitSeconds.p50)}, p95 ${seconds(r.waitSeconds.p95)}, max ${seconds(r.waitSeconds.max)}; target ${r.metTarget ? 'met' : 'NOT met'} (${r.lateRequests} request${r.lateRequests === 1 ? '' : 's'} over ${target} s)`,
    `  yardsticks: busy time only ${usd(r.busyUsd)}; clairvoyant with no waits ${usd(r.clairvoyantUsd)} (${(r.spendUsd / r.clairvoyantUsd).toFixed(2)}× that); always on ${usd(r.alwaysOnUsd)}`,
    ...(run.plan ? [`  adaptive's plan at the end: ${run.plan}`] : []),
    '',
    FOOTNOTE,
  ];
  return `${lines.join('\n')}\n`;
}

function compareText(c: Comparison, ctx: Context): string {
  const first = c.results[0]?.result as SimulationResult;
  const target = ctx.sim.waitTargetSeconds;
  const rows = c.results.map(({ result: r }) => [
    r.policy,
    usd(r.spendUsd),
    `${(r.spendUsd / r.clairvoyantUsd).toFixed(2)}×`,
    String(r.podStarts),
    `${Math.round(r.waitSeconds.p50)} / ${Math.round(r.waitSeconds.p95)} / ${Math.round(r.waitSeconds.max)}`,
    r.metTarget ? 'yes' : 'no',
  ]);
  const table = formatTable(
    ['policy', 'spend (est.)', 'vs clairvoyant', 'starts', 'wait p50 / p95 / max s', `p95 ≤ ${target} s`],
    rows,
  );
  const adaptive = c.results.find((r) => r.result.policy === 'adaptive');
  const verdict = c.cheapestFixed
    ? `Cheapest fixed policy meeting the target: ${c.cheapestFixed.policy} at ${usd(c.cheapestFixed.spendUsd)}${
        adaptive
          ? `; adaptive ${usd(adaptive.result.spendUsd)} = ${(adaptive.result.spendUsd / c.cheapestFixed.spendUsd).toFixed(2)}× that${adaptive.result.metTarget ? '' : ', missing the target'}`
          : ''
      }.`
    : 'No fixed policy met the target.';
  const lines = [
    ...header(ctx, first),
    `Clairvoyant (knows the future, no waits) ${usd(first.clairvoyantUsd)}; busy time only ${usd(first.busyUsd)}.`,
    '',
    table,
    '',
    verdict,
    ...(adaptive?.plan ? [`Adaptive's plan at the end: ${adaptive.plan}`] : []),
    '',
    FOOTNOTE,
  ];
  return `${lines.join('\n')}\n`;
}

function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
