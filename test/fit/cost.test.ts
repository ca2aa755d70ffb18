import { describe, expect, it } from 'vitest';
import { fitOf } from '../helpers.ts';

/** The numbers of a usage formula `H h × [N GPUs ×] $R[/h] = $T a period`. */
function formulaParts(formula: string) {
  const m = /^([\d.]+) h × (?:(\d+) GPUs? × )?\$([\d.]+)(?:\/h)? = \$([\d.]+) a \w+$/.exec(formula);
  if (!m) throw new Error(`formula not understood: ${formula}`);
  return { hours: Number(m[1]), count: Number(m[2] ?? 1), rate: Number(m[3]), total: Number(m[4]) };
}

describe('usage cost formula', () => {
  it.each([
    ['scout', 'q4', 'm4 max 128gb', 10],
    ['llama 3 8b', 'q4', 'rtx 4090', 7],
    ['maverick', 'q2_k_xl', '2xh100', 3],
  ])('GIVEN %s %s on %s for %d h/week THEN the shown rate × hours gives the shown total', (m, q, h, hours) => {
    const formula = fitOf(m, q, h, { usage: { hours, period: 'week' } }).evaluation.cost.usage?.formula ?? '';
    const p = formulaParts(formula);
    expect(Math.abs(p.hours * p.count * p.rate - p.total), formula).toBeLessThanOrEqual(0.01);
  });
});
