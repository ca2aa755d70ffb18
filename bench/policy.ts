import { createPolicy, FIXED_POLICIES } from '../src/runpod/policies.ts';
import type { PolicySettings } from '../src/runpod/policy.ts';
import { parseWindows } from '../src/runpod/schedule.ts';
import type { SimulationResult, SimulationSettings } from '../src/runpod/simulate.ts';
import { simulate } from '../src/runpod/simulate.ts';
import { comparePolicies } from '../src/runpod/simulate-cli.ts';
import { generateTrace, type TraceOptions } from '../src/runpod/trace.ts';
import { type Timing, time } from './stats.ts';

/** The default pod: 2×H100 SXM at $3.29 per GPU-hour, 600-s cold start, one slot, Maverick at 50 tok/s. */
const POD = { pricePerHourUsd: 6.58, coldStartSeconds: 600, promptTokensPerSec: 650, decodeTokensPerSec: 50, slots: 1 };
const WINDOWS = parseWindows('Mon-Fri 09:00-18:00');
export const GOAL_RATIO = 0.85;

interface TraceCase {
  label: string;
  trace: TraceOptions;
  /** The zone the policies are configured with (the team's own unless a case says otherwise). */
  settingsTimeZone: string;
}

/** Several seeds at two team sizes; a three-week run (learning); a team configured with the wrong zone. */
export function defaultCases(): TraceCase[] {
  const cases: TraceCase[] = [];
  for (const teamSize of [3, 6])
    for (const seed of [1, 2, 3, 4, 5])
      cases.push({
        label: `${teamSize} people, seed ${seed}`,
        trace: { seed, teamSize },
        settingsTimeZone: 'Europe/Berlin',
      });
  for (const seed of [1, 2, 3])
    cases.push({
      label: `5 people, 3 weeks, seed ${seed}`,
      trace: { seed, teamSize: 5, weeks: 3 },
      settingsTimeZone: 'Europe/Berlin',
    });
  for (const seed of [1, 2, 3])
    cases.push({
      label: `5 in New York, zone unset (UTC), seed ${seed}`,
      trace: { seed, teamSize: 5, timeZone: 'America/New_York' },
      settingsTimeZone: 'UTC',
    });
  return cases;
}

export interface PolicyBenchRow {
  label: string;
  target: number;
  results: SimulationResult[];
  cheapestFixed?: SimulationResult;
  adaptive: SimulationResult;
  /** Adaptive's spend over the cheapest fixed policy's that met the target. */
  ratio?: number;
  goalMet: boolean;
}

/** Every policy on every case at each wait target. */
export function benchPolicy(cases = defaultCases(), targets = [600, 120]): { rows: PolicyBenchRow[]; ms: number } {
  const started = performance.now();
  const rows: PolicyBenchRow[] = [];
  for (const target of targets) {
    for (const c of cases) {
      const trace = generateTrace(c.trace);
      const sim: SimulationSettings = { ...POD, waitTargetSeconds: target };
      const settings: PolicySettings = {
        coldStartSeconds: POD.coldStartSeconds,
        waitTargetSeconds: target,
        windows: WINDOWS,
        timeZone: c.settingsTimeZone,
        slots: POD.slots,
      };
      const comparison = comparePolicies(
        trace,
        sim,
        [...FIXED_POLICIES, 'adaptive'].map((name) => createPolicy(name, settings)),
      );
      const results = comparison.results.map((r) => r.result);
      const adaptive = results.find((r) => r.policy === 'adaptive') as SimulationResult;
      const ratio = comparison.cheapestFixed ? adaptive.spendUsd / comparison.cheapestFixed.spendUsd : undefined;
      rows.push({
        label: c.label,
        target,
        results,
        ...(comparison.cheapestFixed ? { cheapestFixed: comparison.cheapestFixed } : {}),
        adaptive,
        ...(ratio !== undefined ? { ratio } : {}),
        goalMet: adaptive.metTarget && ratio !== undefined && ratio <= GOAL_RATIO,
      });
    }
  }
  return { rows, ms: performance.now() - started };
}

/** How long one week takes to simulate: a fixed policy, and adaptive with its replays. */
export function simulationSpeed(): { fixed: Timing; adaptive: Timing; requests: number } {
  const trace = generateTrace({ seed: 1, teamSize: 6 });
  const settings: PolicySettings = {
    coldStartSeconds: 600,
    waitTargetSeconds: 600,
    windows: WINDOWS,
    timeZone: 'Europe/Berlin',
    slots: 1,
  };
  const sim = { ...POD, waitTargetSeconds: 600 };
  return {
    requests: trace.length,
    fixed: time('idle-stop-2m, one week', 200, () => simulate(trace, createPolicy('idle-stop-2m', settings), sim)),
    adaptive: time('adaptive, one week', 20, () => simulate(trace, createPolicy('adaptive', settings), sim)),
  };
}

const money = (n: number) => `$${n.toFixed(0)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

/** Per target: each policy over all cases, then adaptive against the cheapest fixed policy per case. */
export function policyTables(rows: readonly PolicyBenchRow[]): string {
  const out: string[] = [];
  for (const target of [...new Set(rows.map((r) => r.target))]) {
    const mine = rows.filter((r) => r.target === target);
    out.push(`### p95 wait target ${target} s\n`);
    out.push('| policy | mean spend | mean × clairvoyant | mean starts | median wait p50 / p95 / max s | met target |');
    out.push('|---|---|---|---|---|---|');
    const names = mine[0]?.results.map((r) => r.policy) ?? [];
    for (const name of names) {
      const results = mine.map((row) => row.results.find((r) => r.policy === name) as SimulationResult);
      const mean = (f: (r: SimulationResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
      out.push(
        `| ${name} | ${money(mean((r) => r.spendUsd))} | ${mean((r) => r.spendUsd / r.clairvoyantUsd).toFixed(2)} | ${mean((r) => r.podStarts).toFixed(0)} | ${median(results.map((r) => r.waitSeconds.p50)).toFixed(0)} / ${median(results.map((r) => r.waitSeconds.p95)).toFixed(0)} / ${median(results.map((r) => r.waitSeconds.max)).toFixed(0)} | ${results.filter((r) => r.metTarget).length}/${results.length} |`,
      );
    }
    out.push('');
    out.push(
      '| trace | requests | clairvoyant | fixed policies meeting the target | cheapest fixed | adaptive (p95 / max wait s) | adaptive ÷ cheapest | goal |',
    );
    out.push('|---|---|---|---|---|---|---|---|');
    for (const row of mine) {
      const meeting = row.results
        .filter((r) => r.policy !== 'adaptive' && r.metTarget)
        .map((r) => r.policy.replace('idle-stop-', 'is-'));
      const a = row.adaptive;
      out.push(
        `| ${row.label} | ${a.requests} | ${money(a.clairvoyantUsd)} | ${meeting.join(', ') || 'none'} | ${row.cheapestFixed ? `${row.cheapestFixed.policy} ${money(row.cheapestFixed.spendUsd)}` : '—'} | ${money(a.spendUsd)} (${a.waitSeconds.p95.toFixed(0)} / ${a.waitSeconds.max.toFixed(0)})${a.metTarget ? '' : ' **missed**'} | ${row.ratio === undefined ? '—' : row.ratio.toFixed(2)} | ${row.goalMet ? 'met' : 'not met'} |`,
      );
    }
    out.push('');
    out.push(`Spend per trace and policy († = p95 over ${target} s):\n`);
    out.push(`| trace | ${names.join(' | ')} |`);
    out.push(`|---|${names.map(() => '---').join('|')}|`);
    for (const row of mine)
      out.push(
        `| ${row.label} | ${row.results.map((r) => `${money(r.spendUsd)}${r.metTarget ? '' : '†'}`).join(' | ')} |`,
      );
    const met = mine.filter((r) => r.goalMet).length;
    out.push('');
    out.push(
      `Goal at ${target} s (adaptive meets the target at ≤ ${GOAL_RATIO}× the cheapest fixed policy meeting it): met on ${met} of ${mine.length} traces; adaptive met the target on ${mine.filter((r) => r.adaptive.metTarget).length}.\n`,
    );
  }
  return out.join('\n');
}
