import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { fit } from '../../src/fit/engine.ts';
import { GB, GIB, kvCacheBytes } from '../../src/fit/memory.ts';
import { fitReply } from '../../src/fit/present.ts';
import { resolveModel } from '../../src/fit/resolve.ts';
import { engine, fitOf } from '../helpers.ts';

describe('/fit must-show cases', () => {
  it('GIVEN maverick q3 on 2×H100 THEN it does not fit, with sizes, and offers a ~2.7-bit file tightly or Q3 on 3×H100', () => {
    const r = fitOf('maverick', 'q3', '2xh100');
    expect(r.evaluation.verdict).toBe('no-fit');
    expect(r.config.file.quant).toBe('UD-Q3_K_XL');
    expect(r.evaluation.memory.requiredGB).toBeGreaterThan(190);
    expect(r.evaluation.memory.availableGB).toBeCloseTo(2 * 79.6 * (GIB / GB), 0);
    const kinds = Object.fromEntries(r.alternatives.map((a) => [a.kind, a]));
    expect(kinds['quant-here']).toMatchObject({ quant: 'UD-Q2_K_XL', count: 2, verdict: 'tight' });
    expect(kinds['more-devices']).toMatchObject({ quant: 'UD-Q3_K_XL', hardwareId: 'h100-sxm', count: 3 });
  });

  it('GIVEN maverick q4 on 4×H100 THEN it fits', () => {
    expect(fitOf('maverick', 'q4', '4xh100').evaluation.verdict).toBe('fits');
  });

  it('GIVEN rented GPUs THEN the answer names a pod to ask for only when the configuration fits', () => {
    const field = (r: ReturnType<typeof fitOf>) => fitReply(r).fields?.find((f) => f.name === 'Pod to ask for');
    const fits = fitOf('maverick', 'UD-Q2_K_XL', '2xh100');
    expect(fits.evaluation.verdict).not.toBe('no-fit');
    expect(field(fits)?.value).toBe(
      `2× H100 SXM, a network volume of at least ${Math.ceil(fits.config.file.sizeGB * 1.1)} GB for the model files`,
    );
    for (const [quant, hardware] of [
      ['q3', '2xh100'],
      ['q8', '1xh100'],
    ] as const) {
      const r = fitOf('maverick', quant, hardware);
      expect(r.evaluation.verdict).toBe('no-fit');
      expect(field(r)).toBeUndefined();
      expect(fitReply(r).code).toBeUndefined();
    }
  });

  it('GIVEN scout q4 on an M4 Max 128 GB THEN it fits by default', () => {
    const r = fitOf('scout', 'q4', 'm4 max 128gb');
    expect(r.evaluation.verdict).toBe('fits');
    expect(r.evaluation.memory.availableGB).toBeCloseTo((96 * GIB) / GB, 1);
  });

  it('GIVEN maverick iq1 on an M4 Max 128 GB THEN it does not fit by default', () => {
    const r = fitOf('maverick', 'iq1', 'm4 max 128gb');
    expect(['no-fit', 'raise-limit']).toContain(r.evaluation.verdict);
    expect(r.evaluation.memory.requiredGB).toBeGreaterThan(r.evaluation.memory.defaultAvailableGB ?? 0);
  });

  it('GIVEN scout q4 on an RTX 4090 THEN it fits only with experts in RAM, far below 70–90 tok/s', () => {
    const r = fitOf('scout', 'q4', 'rtx4090');
    expect(r.evaluation.verdict).toBe('offload');
    expect(r.evaluation.offload?.kind).toBe('experts');
    expect(r.evaluation.offload?.ramNeededGB).toBeGreaterThan(20);
    expect(r.evaluation.speed.high).toBeLessThan(40);
  });

  it('GIVEN UD-IQ1_S on an M4 Max 128 GB THEN it fits only after raising the GPU limit', () => {
    const r = fitOf('maverick', 'ud-iq1_s', 'm4 max 128gb');
    expect(r.evaluation.verdict).toBe('raise-limit');
    expect(r.evaluation.memory.limit).toBe('raised');
  });

  it('GIVEN a dense model too big for one GPU with host RAM THEN layers are offloaded', () => {
    const r = fitOf('llama 3 70b', 'q4', 'rtx4090', { ramGB: 64 });
    expect(r.evaluation.verdict).toBe('offload');
    expect(r.evaluation.offload?.kind).toBe('layers');
  });

  it('GIVEN several GPUs THEN memory adds but single-stream speed does not', () => {
    const one = fitOf('llama 3 8b', 'q4', 'h100');
    const four = fitOf('llama 3 8b', 'q4', '4xh100');
    expect(four.evaluation.memory.availableGB).toBeCloseTo(4 * one.evaluation.memory.availableGB, 5);
    expect(four.evaluation.speed.decodeTokensPerSec).toBeLessThanOrEqual(one.evaluation.speed.decodeTokensPerSec);
  });

  it('GIVEN a usage pattern THEN cost is hours × GPUs × price', () => {
    const r = fitOf('maverick', 'q2_k_xl', '2xh100', { usage: { hours: 3, period: 'week' } });
    const price = r.evaluation.cost.price?.perGpuHourUsd ?? 0;
    expect(r.evaluation.cost.usage?.totalUsd).toBeCloseTo(3 * 2 * price, 2);
    expect(r.evaluation.cost.usage?.formula).toBe(
      `3 h × 2 GPUs × $${price.toFixed(2)} = $${(6 * price).toFixed(2)} a week`,
    );
  });

  it('GIVEN owned hardware THEN cost is electricity: board power × price per kWh', () => {
    const r = fitOf('llama 3 8b', 'q4', 'rtx4090');
    expect(r.evaluation.cost.basis).toBe('electricity');
    expect(r.evaluation.cost.perHourUsd).toBeCloseTo(0.45 * engine.electricityUsdPerKwh, 6);
  });

  it('GIVEN a long context THEN the speed carries a warning and max context is reported', () => {
    const r = fitOf('scout', 'q4', 'h200', { contextTokens: 131072 });
    expect(r.evaluation.speed.longContextWarning).toBe(true);
    expect(r.maxContextTokens).toBeGreaterThanOrEqual(131072);
  });

  it('GIVEN a context where f16 KV does not fit but q8_0 does THEN the KV cache is quantised', () => {
    const base = fitOf('llama 3 8b', 'q8', 'rtx 5060 ti', { contextTokens: 65536 });
    expect(base.evaluation.memory.kvType).not.toBe('f16');
    expect(['fits', 'tight']).toContain(base.evaluation.verdict);
  });

  it('GIVEN a model file and device with a measured prompt speed THEN it is quoted, with its source; otherwise none', () => {
    expect(fitOf('scout', 'q4_k_m', 'strix halo').evaluation.speed.prompt).toMatchObject({ tokensPerSec: 249.26 });
    expect(fitOf('scout', 'q4_k_m', 'h100').evaluation.speed.prompt).toBeUndefined();
  });

  it('GIVEN a context beyond the model THEN a UserError', () => {
    expect(() => fitOf('llama 3 8b', 'q4', 'h100', { contextTokens: 10_000_000 })).toThrow(UserError);
  });
});

describe('KV cache (REFERENCE.md)', () => {
  const scout = resolveModel(BUILTIN_CATALOG, 'scout');
  it('GIVEN Llama 4 at 32K THEN ≈ 2.7 GiB (chunked layers capped), not 6 GiB', () => {
    expect(kvCacheBytes(scout, 32768, 1) / GIB).toBeCloseTo(2.7, 1);
  });
  it('GIVEN Llama 4 at 1M THEN ≈ 49 GiB', () => {
    expect(kvCacheBytes(scout, 1_048_576, 1) / GIB).toBeCloseTo(49.2, 0);
  });
  it('GIVEN DeepSeek MLA THEN ≈ 69 KiB per token', () => {
    const ds = resolveModel(BUILTIN_CATALOG, 'deepseek');
    expect(kvCacheBytes(ds, 1000, 1) / 1000 / 1024).toBeCloseTo(68.6, 0);
  });
  it('GIVEN q8_0 and q4_0 KV THEN 0.53× and 0.28× of f16', () => {
    const f16 = kvCacheBytes(scout, 8192, 1, 'f16');
    expect(kvCacheBytes(scout, 8192, 1, 'q8_0') / f16).toBeCloseTo(0.53, 5);
    expect(kvCacheBytes(scout, 8192, 1, 'q4_0') / f16).toBeCloseTo(0.28, 5);
  });
  it('GIVEN vLLM THEN every layer is allocated at full length', () => {
    expect(kvCacheBytes(scout, 32768, 1, 'f16', 'vllm') / GIB).toBeCloseTo(6, 0);
  });
});

describe('/fit properties', () => {
  const words = fc.oneof(
    fc.string(),
    fc.constantFrom(
      'maverick',
      'scout',
      'q3',
      'q4',
      'iq1',
      '2xh100',
      'm4 max 128gb',
      'rtx4090',
      '0x',
      '99x',
      'x',
      'gb',
      '((',
      '\u0000',
    ),
  );
  it('GIVEN any input strings THEN /fit answers or throws only UserError', () => {
    fc.assert(
      fc.property(words, words, words, fc.option(fc.integer({ min: -5, max: 20_000_000 })), (m, q, h, ctx) => {
        try {
          fit(
            BUILTIN_CATALOG,
            { model: m, quant: q, hardware: h, ...(ctx !== null ? { contextTokens: ctx } : {}) },
            engine,
          );
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
        }
      }),
      { numRuns: 400 },
    );
  });

  const ORDER = { fits: 0, tight: 1, 'raise-limit': 2, offload: 3, 'no-fit': 4 } as const;
  const models = BUILTIN_CATALOG.models.map((m) => m.id);
  const discrete = ['h100', 'rtx 4090', 'l40s', 'a100', 'rtx 3090', 'h200', 'rtx 5090'];

  it('GIVEN more GPUs of a kind THEN a fit never turns into a no-fit, and cost stays ≥ 0', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...models),
        fc.nat(),
        fc.constantFrom(...discrete),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 512, max: 131072 }),
        (modelId, fileIndex, device, count, ctx) => {
          const model = BUILTIN_CATALOG.models.find((m) => m.id === modelId);
          if (!model) return;
          const file = model.files[fileIndex % model.files.length];
          if (!file) return;
          const contextTokens = Math.min(ctx, model.maxContext);
          const fewer = fit(
            BUILTIN_CATALOG,
            { model: modelId, quant: file.quant, hardware: `${count}x ${device}`, contextTokens },
            engine,
          );
          const more = fit(
            BUILTIN_CATALOG,
            { model: modelId, quant: file.quant, hardware: `${count + 1}x ${device}`, contextTokens },
            engine,
          );
          expect(ORDER[more.evaluation.verdict]).toBeLessThanOrEqual(
            Math.max(ORDER[fewer.evaluation.verdict], ORDER.tight),
          );
          if (fewer.evaluation.verdict !== 'no-fit') expect(more.evaluation.verdict).not.toBe('no-fit');
          for (const r of [fewer, more]) {
            expect(r.evaluation.cost.perHourUsd ?? 0).toBeGreaterThanOrEqual(0);
            expect(r.evaluation.cost.per1MTokensUsd ?? 0).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('GIVEN more memory on an Apple chip or more host RAM THEN the verdict never gets worse', () => {
    fc.assert(
      fc.property(fc.constantFrom(...models), fc.nat(), fc.integer({ min: 0, max: 256 }), (modelId, fileIndex, ram) => {
        const model = BUILTIN_CATALOG.models.find((m) => m.id === modelId);
        const file = model?.files[fileIndex % (model?.files.length ?? 1)];
        if (!model || !file) return;
        const small = fit(BUILTIN_CATALOG, { model: modelId, quant: file.quant, hardware: 'm3 ultra 96' }, engine);
        const big = fit(BUILTIN_CATALOG, { model: modelId, quant: file.quant, hardware: 'm3 ultra 256' }, engine);
        expect(ORDER[big.evaluation.verdict]).toBeLessThanOrEqual(ORDER[small.evaluation.verdict]);
        const less = fit(
          BUILTIN_CATALOG,
          { model: modelId, quant: file.quant, hardware: 'rtx 4090', ramGB: ram },
          engine,
        );
        const moreRam = fit(
          BUILTIN_CATALOG,
          { model: modelId, quant: file.quant, hardware: 'rtx 4090', ramGB: ram + 64 },
          engine,
        );
        expect(ORDER[moreRam.evaluation.verdict]).toBeLessThanOrEqual(ORDER[less.evaluation.verdict]);
      }),
      { numRuns: 200 },
    );
  });

  it('GIVEN any fit THEN alternatives are empty only when nothing in the catalog fits', () => {
    for (const model of BUILTIN_CATALOG.models) {
      const r = fitOf(model.id, model.files[0]?.quant ?? 'q4', 'rtx 3090');
      const anyFits = r.alternatives.length > 0 || ['fits', 'tight'].includes(r.evaluation.verdict);
      expect(anyFits, model.id).toBe(true);
    }
  });
});
