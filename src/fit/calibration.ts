import calibration from '../../data/speed-calibration.json' with { type: 'json' };
import fitted from '../../data/speed-model.json' with { type: 'json' };
import type { Catalog, HardwareSpec } from './catalog/types.ts';
import { normalizeName } from './fuzzy.ts';
import { resolveHardware, resolveModel } from './resolve.ts';
import type { SpeedModel, SpeedRecord } from './speed-model.ts';

/** A record of data/speed-calibration.json (measured llama.cpp decode speeds, each with its source). */
export interface MeasuredRecord {
  model: string;
  quant: string;
  hardware: string;
  gpu_count: number;
  n_layers: number;
  mem_bw_gbs_theoretical: number;
  bytes_per_token_gb_est: number;
  measured_tg_tok_s: number;
  measured_pp_tok_s: number | null;
  moe?: boolean;
  source: string;
}

/** A measured prompt-processing speed for one model file on one device, to quote instead of guessing. */
export interface MeasuredPromptSpeed {
  modelId: string;
  quant: string;
  deviceId: string;
  tokensPerSec: number;
  source: string;
}

export const MEASURED_RECORDS: readonly MeasuredRecord[] = calibration.records;

/**
 * The speed model fitted on MEASURED_RECORDS by `npm run calibrate`
 * (scripts/calibrate.ts), with its leave-one-out errors. A test re-fits and
 * checks this file is current.
 */
export const SPEED_MODEL: SpeedModel = fitted.model;

/** Prompt-processing speeds measured in the calibration data, keyed by catalog ids. */
export function measuredPromptSpeeds(catalog: Catalog, records: readonly MeasuredRecord[]): MeasuredPromptSpeed[] {
  return records.flatMap((r) => {
    if (r.measured_pp_tok_s === null || r.gpu_count !== 1) return [];
    try {
      return [
        {
          modelId: resolveModel(catalog, r.model).id,
          quant: r.quant,
          deviceId: deviceKey(catalog, r.hardware),
          tokensPerSec: r.measured_pp_tok_s,
          source: r.source,
        },
      ];
    } catch {
      return [];
    }
  });
}

/** The catalog id of a record's device, so its correction applies to `/fit` on it. */
export function deviceKey(catalog: Catalog, hardware: string): string {
  return catalogDevice(catalog, hardware)?.id ?? normalizeName(hardware);
}

function catalogDevice(catalog: Catalog, hardware: string): HardwareSpec | undefined {
  try {
    return resolveHardware(catalog, hardware).device;
  } catch {
    return undefined;
  }
}

export function toSpeedRecords(catalog: Catalog, records: readonly MeasuredRecord[]): SpeedRecord[] {
  return records.map((r) => ({
    bytesPerTokenGB: r.bytes_per_token_gb_est,
    bandwidthGBps: r.mem_bw_gbs_theoretical,
    hbm: Boolean(catalogDevice(catalog, r.hardware)?.hbm),
    layers: r.n_layers,
    deviceCount: r.gpu_count,
    deviceKey: deviceKey(catalog, r.hardware),
    measuredTokensPerSec: r.measured_tg_tok_s,
  }));
}

/**
 * A lower bound on prompt processing where nothing was measured for the file:
 * decode speed × the smallest prompt/decode ratio among the measured MoE records
 * (prompt processing is compute-bound and always faster than decode).
 */
export function promptSpeedFloor(decodeTokensPerSec: number, records: readonly MeasuredRecord[] = MEASURED_RECORDS) {
  const ratios = records
    .filter((r) => r.moe && r.measured_pp_tok_s !== null && r.measured_tg_tok_s > 0)
    .map((r) => (r.measured_pp_tok_s as number) / r.measured_tg_tok_s);
  const ratio = ratios.length > 0 ? Math.min(...ratios) : 1;
  return {
    tokensPerSec: decodeTokensPerSec * ratio,
    source: `est.: decode × ${ratio.toFixed(1)}, the lowest prompt/decode ratio measured on a MoE model (${ratios.length} records)`,
  };
}
