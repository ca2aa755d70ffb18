import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { launchPlan } from '../../src/fit/launch.ts';
import { GB, GIB, isMoeBlock, layerSplit } from '../../src/fit/memory.ts';
import { resolveModel } from '../../src/fit/resolve.ts';
import { fitOf } from '../helpers.ts';

const moeBlocks = (id: string) => {
  const model = resolveModel(BUILTIN_CATALOG, id);
  return Array.from({ length: model.layers }, (_, b) => b).filter((b) => isMoeBlock(model, b));
};

describe('MoE layer pattern (llama.cpp block indices)', () => {
  it('GIVEN Maverick THEN experts on every 2nd block: 1, 3, … 47', () => {
    expect(moeBlocks('maverick')).toEqual(Array.from({ length: 24 }, (_, i) => 2 * i + 1));
  });
  it('GIVEN DeepSeek THEN the first 3 blocks are dense: 3 … 60', () => {
    expect(moeBlocks('deepseek')).toEqual(Array.from({ length: 58 }, (_, i) => i + 3));
  });
  it('GIVEN Scout THEN every block: 0 … 47', () => {
    expect(moeBlocks('scout')).toHaveLength(48);
  });
});

describe('layerSplit', () => {
  it.each([
    [[1, 1, 1, 1], 2, 2, [2, 2]],
    [[1, 1, 1, 1], 2, 1.5, undefined],
    [[1, 3, 1, 3], 2, 4, [2, 2]],
    [[0.1, 0.1, 0.1, 3, 3], 2, 3.3, [4, 1]],
    [[1, 1], 3, 1, [1, 1, 0]],
    [[5], 2, 4, undefined],
  ])('GIVEN blocks %j on %i devices of %d THEN %j', (blocks, count, capacity, expected) => {
    expect(layerSplit(blocks, count, capacity)).toEqual(expected);
  });
});

describe('maverick UD-Q3_K_XL on 2×H100 with 256 GB RAM, checked by hand', () => {
  // From the catalog: file 193 GB; routed experts = (400.71 − 17) × 128/127 B params
  // of 400.71 B, over 24 MoE layers; KV f16 at 8K = 48 layers × 8192 cells × 4096 B
  // (12 full layers + 36 chunked ones capped at 8192 cells); each H100 offers
  // 79.6 GiB − 1 GiB runtime.
  const expertsGB = (193 * ((400.71 - 17) * (128 / 127))) / 400.71;
  const perMoeLayerGB = expertsGB / 24; // ≈ 7.76
  const perBlockGB = (193 - expertsGB + (48 * 8192 * 4096) / GB) / 48; // ≈ 0.174: dense weights + KV
  const capacityGB = ((79.6 - 1) * GIB) / GB; // ≈ 84.40
  const r = fitOf('maverick', 'q3', '2xh100', { ramGB: 256 });

  it('GIVEN three expert layers in RAM THEN the GPUs still hold too much in total', () => {
    expect(48 * perBlockGB + 21 * perMoeLayerGB).toBeGreaterThan(2 * capacityGB);
  });

  it('GIVEN four THEN blocks 0–27 on GPU 0 and 28–47 on GPU 1 fit, and 27–47 would not', () => {
    const gpu0 = 28 * perBlockGB + 10 * perMoeLayerGB; // MoE blocks 9 … 27 (1–7 are in RAM)
    const gpu1 = 20 * perBlockGB + 10 * perMoeLayerGB; // MoE blocks 29 … 47
    expect(gpu0).toBeLessThanOrEqual(capacityGB);
    expect(gpu1).toBeLessThanOrEqual(capacityGB);
    expect(gpu1 + perBlockGB + perMoeLayerGB).toBeGreaterThan(capacityGB);
  });

  it('THEN llama.cpp is told --n-cpu-moe 8 (blocks 0–7 hold the experts of MoE layers 1, 3, 5, 7)', () => {
    expect(r.evaluation.verdict).toBe('offload');
    expect(r.evaluation.offload).toMatchObject({ kind: 'experts', cpuMoeLayers: 8, expertLayersInRam: 4 });
    expect(r.evaluation.offload?.ramNeededGB).toBeCloseTo(4 * perMoeLayerGB, 6);
    expect(r.evaluation.blocksPerDevice).toEqual([28, 20]);
  });

  it('THEN the command splits 28:20, not evenly', () => {
    const command = launchPlan(r.config, r.evaluation).command ?? '';
    expect(command).toContain('--n-cpu-moe 8 ');
    expect(command).toContain('--tensor-split 7,5 ');
  });
});

describe('DeepSeek expert offload', () => {
  it('GIVEN --n-cpu-moe N THEN N − 3 expert layers move (blocks 0–2 have none)', () => {
    const o = fitOf('deepseek', 'q4', '4xh100', { ramGB: 512 }).evaluation.offload;
    expect(o?.kind).toBe('experts');
    expect(o?.expertLayersInRam).toBe((o?.cpuMoeLayers ?? 0) - 3);
  });
});

describe('--tensor-split', () => {
  it('GIVEN an even split THEN 1,1', () => {
    const r = fitOf('maverick', 'UD-Q2_K_XL', '2xh100');
    expect(r.evaluation.blocksPerDevice).toEqual([24, 24]);
    expect(launchPlan(r.config, r.evaluation).command).toContain('--tensor-split 1,1 ');
  });
});
