import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { resolveHardware, resolveModel, resolveQuant } from '../../src/fit/resolve.ts';

const catalog = BUILTIN_CATALOG;

describe('resolveModel', () => {
  it.each([
    ['maverick', 'llama-4-maverick'],
    ['llama4 maverick', 'llama-4-maverick'],
    ['Llama-4-Maverick', 'llama-4-maverick'],
    ['scout', 'llama-4-scout'],
    ['llama 3 70b', 'llama-3.3-70b'],
    ['deepseek r1', 'deepseek-v3'],
    ['gpt-oss-120b', 'gpt-oss-120b'],
    ['qwen3 235b', 'qwen3-235b-a22b'],
  ])('GIVEN %j THEN it is %s', (text, id) => {
    expect(resolveModel(catalog, text).id).toBe(id);
  });

  it('GIVEN a typo THEN a UserError suggests the closest model', () => {
    expect(() => resolveModel(catalog, 'mavrick')).toThrow(UserError);
    expect(() => resolveModel(catalog, 'mavrick')).toThrow(/did you mean maverick/);
  });

  it('GIVEN nonsense THEN a UserError without suggestions', () => {
    expect(() => resolveModel(catalog, 'zzzzzzzzzz')).toThrow(/^unknown model 'zzzzzzzzzz'$/);
  });
});

describe('resolveQuant', () => {
  const maverick = resolveModel(catalog, 'maverick');
  const scout = resolveModel(catalog, 'scout');
  const gptOss = resolveModel(catalog, 'gpt-oss 120b');
  const llama405b = resolveModel(catalog, 'llama 405b');
  it.each([
    [maverick, 'q3', 'UD-Q3_K_XL', true],
    [maverick, 'Q3_K_M', 'Q3_K_M', false],
    [maverick, 'ud-q2_k_xl', 'UD-Q2_K_XL', false],
    [maverick, 'q2_k_xl', 'UD-Q2_K_XL', false],
    [maverick, 'iq1', 'UD-IQ1_M', true],
    [maverick, 'iq1_s', 'UD-IQ1_S', false],
    [maverick, 'fp8', 'FP8', false],
    [maverick, 'q4', 'Q4_K_M', true],
    [maverick, 'bf16', 'BF16', false],
    [scout, 'q3', 'Q3_K_M', true],
    [scout, '8bit', 'Q8_0', true],
    [scout, 'q4', 'Q4_K_M', true],
    // REFERENCE.md: UD-IQ1_S (1.78-bit; some guides write "IQ1_78").
    [maverick, 'iq1_78', 'UD-IQ1_S', true],
    [maverick, 'IQ1_78', 'UD-IQ1_S', true],
    [scout, 'iq1_78', 'UD-IQ1_S', true],
    // The only published gpt-oss-120b file is MXFP4: loose 4-bit names map to it, not a derived Q4_K_M.
    [gptOss, '4bit', 'MXFP4', true],
    [gptOss, 'q4', 'MXFP4', true],
    [gptOss, 'q4_k_m', 'Q4_K_M', false],
    // Nothing published for 405B: the derived canonical file.
    [llama405b, 'q4', 'Q4_K_M', true],
  ])('GIVEN %s and %j THEN the file is %s (loose: %s)', (model, text, quant, loose) => {
    const choice = resolveQuant(model, text);
    expect(choice.file.quant).toBe(quant);
    expect(choice.loose).toBe(loose);
  });

  it('GIVEN a quant the model lacks THEN a UserError lists what exists', () => {
    expect(() => resolveQuant(maverick, 'q9')).toThrow(
      /unknown quant 'q9' for Llama 4 Maverick.*available: .*UD-Q2_K_XL/,
    );
  });
});

describe('resolveHardware', () => {
  it.each([
    ['2xh100', 'h100-sxm', 2, 80],
    ['4x h100 sxm', 'h100-sxm', 4, 80],
    ['h100 x2', 'h100-sxm', 2, 80],
    ['h200', 'h200', 1, 141],
    ['rtx4090', 'rtx-4090', 1, 24],
    ['RTX 4090', 'rtx-4090', 1, 24],
    ['2x4090', 'rtx-4090', 2, 24],
    ['3090', 'rtx-3090', 1, 24],
    ['m4 max 128gb', 'm4-max', 1, 128],
    ['m4 max 36gb', 'm4-max-32c', 1, 36],
    ['mac studio m3 ultra 512', 'm3-ultra', 1, 512],
    ['M3 Ultra 256GB', 'm3-ultra', 1, 256],
    ['m4 max', 'm4-max', 1, 128],
    ['a100 40gb', 'a100-40gb', 1, 40],
    ['M2 Ultra (76c)', 'm2-ultra', 1, 192],
    ['Strix Halo (Ryzen AI Max+ 395)', 'strix-halo', 1, 128],
    ['7900 xtx', 'rx-7900-xtx', 1, 24],
    ['2x rtx 6000 ada', 'rtx-6000-ada', 2, 48],
  ])('GIVEN %j THEN %s × %i with %i GB', (text, id, count, memoryGB) => {
    const choice = resolveHardware(catalog, text);
    expect([choice.device.id, choice.count, choice.memoryGB]).toEqual([id, count, memoryGB]);
  });

  it.each([
    ['h1000', /unknown hardware 'h1000' — did you mean h100/],
    ['m4 max 100gb', /comes with 36, 48, 64, 128 GB, not 100 GB/],
    ['0xh100', /between 1 and 16/],
    ['99xh100', /between 1 and 16/],
  ])('GIVEN %j THEN UserError %s', (text, message) => {
    expect(() => resolveHardware(catalog, text)).toThrow(message);
  });
});

describe('resolveHardware: unified-memory machines', () => {
  it.each(['2x m4 max 128gb', 'm4 max 128gb x2', '2x m3 ultra', '2x strix halo', '3x dgx spark'])(
    'GIVEN %j THEN a UserError: one machine, no pooling across the network',
    (text) => {
      expect(() => resolveHardware(catalog, text)).toThrow(UserError);
      expect(() => resolveHardware(catalog, text)).toThrow(/is one machine: \/fit does not pool \d of them/);
    },
  );

  it('GIVEN one of them THEN it resolves', () => {
    expect(resolveHardware(catalog, '1x m4 max 128gb')).toMatchObject({ count: 1, memoryGB: 128 });
  });
});
