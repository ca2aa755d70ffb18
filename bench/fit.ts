import { SPEED_MODEL } from '../src/fit/calibration.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import { evaluate, fit } from '../src/fit/engine.ts';
import { resolveHardware, resolveModel, resolveQuant } from '../src/fit/resolve.ts';
import { row, type Timing, time } from './stats.ts';

const engine = { speedModel: SPEED_MODEL, electricityUsdPerKwh: 0.17 };
const CASES = [
  ['maverick', 'q3', '2xh100'],
  ['maverick', 'q4', '4xh100'],
  ['scout', 'q4', 'm4 max 128gb'],
  ['maverick', 'iq1', 'm4 max 128gb'],
  ['scout', 'q4', 'rtx4090'],
  ['llama 3 70b', 'q4', '2x4090'],
  ['deepseek', 'q2', '8xh200'],
  ['qwen3 235b', 'q4', 'mac studio m3 ultra 512'],
] as const;

/** /fit compute time: name resolution alone (baseline), one evaluation, and the full answer with alternatives. */
export function benchFit(iterations = 5000): { timings: Timing[]; table: string } {
  const resolveOnly = time('resolve names only (baseline)', iterations, (i) => {
    const [m, q, h] = CASES[i % CASES.length] ?? CASES[0];
    resolveQuant(resolveModel(BUILTIN_CATALOG, m), q);
    resolveHardware(BUILTIN_CATALOG, h);
  });
  const one = time('one evaluation (memory, speed, cost)', iterations, (i) => {
    const [m, q, h] = CASES[i % CASES.length] ?? CASES[0];
    const model = resolveModel(BUILTIN_CATALOG, m);
    const hw = resolveHardware(BUILTIN_CATALOG, h);
    evaluate(
      {
        model,
        file: resolveQuant(model, q).file,
        device: hw.device,
        count: hw.count,
        memoryGB: hw.memoryGB,
        contextTokens: 8192,
        parallel: 1,
        ramGB: 64,
      },
      engine,
    );
  });
  const full = time('full /fit (+ alternatives, max context)', iterations, (i) => {
    const [m, q, h] = CASES[i % CASES.length] ?? CASES[0];
    fit(BUILTIN_CATALOG, { model: m, quant: q, hardware: h }, engine);
  });
  const table = [
    '| measurement | calls | p50 ms | p99 ms | max ms | p50 vs baseline |',
    '|---|---|---|---|---|---|',
    row(resolveOnly),
    row(one, resolveOnly),
    row(full, resolveOnly),
  ].join('\n');
  return { timings: [resolveOnly, one, full], table };
}
