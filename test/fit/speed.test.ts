import { describe, expect, it } from 'vitest';
import fitted from '../../data/speed-model.json' with { type: 'json' };
import { MEASURED_RECORDS, SPEED_MODEL, toSpeedRecords } from '../../src/fit/calibration.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { fitSpeedModel, leaveOneOut, quantile } from '../../src/fit/speed-model.ts';
import { fitOf } from '../helpers.ts';

const records = toSpeedRecords(BUILTIN_CATALOG, MEASURED_RECORDS);

describe('decode speed calibration', () => {
  it('GIVEN leave-one-out over the measured records THEN median error ≤ 10 % and P90 ≤ 35 %', () => {
    const loo = leaveOneOut(records);
    expect(loo.median).toBeLessThanOrEqual(0.1);
    expect(loo.p90).toBeLessThanOrEqual(0.35);
  });

  it('GIVEN the committed data/speed-model.json THEN it is what a fresh fit gives (run npm run calibrate)', () => {
    const fresh = fitSpeedModel(records);
    expect(SPEED_MODEL.efficiency).toBeCloseTo(fresh.efficiency, 9);
    expect(SPEED_MODEL.saturationGBps).toBeCloseTo(fresh.saturationGBps, 6);
    expect(SPEED_MODEL.perLayerSeconds).toBeCloseTo(fresh.perLayerSeconds, 12);
    expect(SPEED_MODEL.band).toEqual(fresh.band);
    expect(Object.keys(SPEED_MODEL.deviceFactor).sort()).toEqual(Object.keys(fresh.deviceFactor).sort());
    expect(fitted.records).toBe(records.length);
  });

  it('GIVEN every measured record through the whole /fit engine THEN errors stay within the calibration goals', () => {
    const errors = MEASURED_RECORDS.map((r) => {
      const result = fitOf(r.model, r.quant, `${r.gpu_count}x ${r.hardware}`);
      return Math.abs(result.evaluation.speed.decodeTokensPerSec / r.measured_tg_tok_s - 1);
    });
    expect(quantile(errors, 0.5)).toBeLessThanOrEqual(0.1);
    expect(quantile(errors, 0.9)).toBeLessThanOrEqual(0.35);
  });

  it('GIVEN the band THEN it brackets the estimate', () => {
    for (const [m, q, h] of [
      ['scout', 'q4', 'h100'],
      ['maverick', 'q4', '4xh100'],
      ['llama 3 8b', 'q4', 'm4 max'],
    ] as const) {
      const s = fitOf(m, q, h).evaluation.speed;
      expect(s.low).toBeLessThanOrEqual(s.decodeTokensPerSec);
      expect(s.high).toBeGreaterThanOrEqual(s.decodeTokensPerSec);
    }
  });
});
