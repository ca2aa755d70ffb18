/**
 * Print a seeded trace of a small team's week(s) as JSONL, for `fitbot simulate`:
 * `npx tsx scripts/gen-trace.ts --seed 1 [--team-size 5] [--tz Europe/Berlin]
 * [--week 2026-11-16] [--weeks 1] [--intensity 1] > trace.jsonl`.
 * The model behind it is documented at generateTrace (src/runpod/trace.ts).
 */
import { parseArgs } from 'node:util';
import { isUserError } from '../src/errors.ts';
import { generateTrace, toJsonl } from '../src/runpod/trace.ts';

const USAGE =
  'usage: tsx scripts/gen-trace.ts --seed N [--team-size N] [--tz ZONE] [--week YYYY-MM-DD] [--weeks N] [--intensity X] > trace.jsonl';

try {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      'team-size': { type: 'string' },
      tz: { type: 'string' },
      week: { type: 'string' },
      weeks: { type: 'string' },
      intensity: { type: 'string' },
    },
  });
  const number = (name: keyof typeof values) => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number (got '${text}')`);
    return n;
  };
  const seed = number('seed');
  if (seed === undefined) throw new Error('--seed is required');
  const trace = generateTrace({
    seed,
    ...(values['team-size'] !== undefined ? { teamSize: number('team-size') } : {}),
    ...(values.tz !== undefined ? { timeZone: values.tz } : {}),
    ...(values.week !== undefined ? { week: values.week } : {}),
    ...(values.weeks !== undefined ? { weeks: number('weeks') } : {}),
    ...(values.intensity !== undefined ? { intensity: number('intensity') } : {}),
  });
  process.stdout.write(toJsonl(trace));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${isUserError(error) ? message : `${message}\n${USAGE}`}\n`);
  process.exitCode = 1;
}
