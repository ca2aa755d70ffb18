import calibration from '../../data/speed-calibration.json' with { type: 'json' };
import fitted from '../../data/speed-model.json' with { type: 'json' };
import type { Catalog } from './catalog/types.ts';
import { normalizeName } from './fuzzy.ts';
import { resolveHardware } from './resolve.ts';
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
  source: string;
}

export const MEASURED_RECORDS: readonly MeasuredRecord[] = calibration.records;

/**
 * The speed model fitted on MEASURED_RECORDS by `npm run calibrate`
 * (scripts/calibrate.ts), with its leave-one-out errors. A test re-fits and
 * checks this file is current.
 */
export const SPEED_MODEL: SpeedModel = fitted.model;

/** The catalog id of a record's device, so its correction applies to `/fit` on it. */
export function deviceKey(catalog: Catalog, hardware: string): string {
  try {
    return resolveHardware(catalog, hardware).device.id;
  } catch {
    return normalizeName(hardware);
  }
}

export function toSpeedRecords(catalog: Catalog, records: readonly MeasuredRecord[]): SpeedRecord[] {
  return records.map((r) => ({
    bytesPerTokenGB: r.bytes_per_token_gb_est,
    bandwidthGBps: r.mem_bw_gbs_theoretical,
    layers: r.n_layers,
    deviceCount: r.gpu_count,
    deviceKey: deviceKey(catalog, r.hardware),
    measuredTokensPerSec: r.measured_tg_tok_s,
  }));
}
