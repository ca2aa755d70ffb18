import { describe, expect, it } from 'vitest';
import { fitReply } from '../../src/fit/present.ts';
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

describe('data-centre GPUs without a rental price', () => {
  const costText = (r: ReturnType<typeof fitOf>) => fitReply(r).fields?.find((f) => f.name === 'Cost')?.value ?? '';
  const pod = (r: ReturnType<typeof fitOf>) => fitReply(r).fields?.find((f) => f.name === 'Pod to ask for');

  it.each([
    ['maverick', 'q4', '2x mi300x'],
    ['llama 3 70b', 'q4', 'a100 pcie'],
    ['llama 3 8b', 'q4', 'a100 40gb'],
  ])('GIVEN %s %s on %s THEN no cost per hour or per 1M and no pod, but a plain "no rental price"', (m, q, h) => {
    const r = fitOf(m, q, h, { usage: { hours: 3, period: 'week' } });
    expect(r.evaluation.verdict).not.toBe('no-fit');
    expect(r.evaluation.cost).toMatchObject({ basis: 'no-rental-price', perHourUsd: null, per1MTokensUsd: null });
    expect(r.evaluation.cost.usage).toBeUndefined();
    expect(costText(r)).toMatch(/^no rental price in the catalog for /);
    expect(costText(r)).not.toMatch(/\$|electricity/);
    expect(pod(r)).toBeUndefined();
  });

  it('GIVEN a data-centre GPU with a rental price THEN it is costed as a rental and a pod is named', () => {
    const r = fitOf('llama 3 8b', 'q4', 'h100');
    expect(r.evaluation.cost.basis).toBe('rental-secure');
    expect(pod(r)?.value).toMatch(/^1× H100 SXM/);
  });
});

describe('cost per 1M tokens', () => {
  const costText = (r: ReturnType<typeof fitOf>) => fitReply(r).fields?.find((f) => f.name === 'Cost')?.value ?? '';
  it('GIVEN a configuration that does not fit THEN $/1M is quoted "if it fitted"', () => {
    const r = fitOf('maverick', 'q3', '2xh100');
    expect(r.evaluation.verdict).toBe('no-fit');
    expect(costText(r)).toMatch(/per 1M output tokens at the estimated speed \(one stream, if it fitted\)/);
  });
  it('GIVEN one that fits THEN without the condition', () => {
    expect(costText(fitOf('maverick', 'q4', '4xh100'))).toMatch(
      /per 1M output tokens at the estimated speed \(one stream\)/,
    );
  });
});
