import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { GB, usableBytes } from '../../src/fit/memory.ts';
import { fitReply } from '../../src/fit/present.ts';
import { fitOf } from '../helpers.ts';

describe('Apple GPU memory limit', () => {
  const apple = BUILTIN_CATALOG.hardware.filter((h) => h.kind === 'apple');
  const configurations = apple.flatMap((h) => (h.memoryOptionsGB ?? [h.memoryGB]).map((gb) => [h.id, gb] as const));

  it.each(configurations)('GIVEN %s with %d GB THEN raising the limit never offers less than the default', (id, gb) => {
    const device = apple.find((h) => h.id === id);
    if (!device) throw new Error(id);
    expect(usableBytes(device, gb, 'raised')).toBeGreaterThanOrEqual(usableBytes(device, gb, 'default'));
  });

  it('GIVEN llama 2 7b q8 on an 8 GB M1 THEN the no-fit answer quotes the default 5.7 GB, not 0.0 GB', () => {
    const r = fitOf('llama 2 7b', 'q8', 'm1 8');
    expect(r.evaluation.verdict).toBe('no-fit');
    expect(r.evaluation.memory.raisedAvailableGB).toBeCloseTo(((2 / 3) * 8 * 2 ** 30) / GB, 5);
    expect(fitReply(r).text).toContain('Apple M1 offers 5.7 GB');
  });
});
