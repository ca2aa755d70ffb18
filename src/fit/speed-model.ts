/**
 * Single-stream decode speed, calibrated on measurements.
 *
 * Time per token = bytes read ÷ effective bandwidth + a fixed cost per layer
 * (kernel launches and synchronisation, which dominate small and MoE models),
 * where the effective bandwidth of a device of vendor bandwidth W is e·W on
 * GDDR and unified memory and e·W / √(1 + (W/Wc)²) on HBM parts, saturating
 * towards e·Wc because llama.cpp's single-stream kernels do not fill HBM. (The
 * curve once applied to every device and cut the 1,792 GB/s GDDR7 of the RTX
 * PRO 6000 Blackwell by a quarter, which its measurement contradicts.)
 * e, Wc and the layer cost are fitted to data/speed-calibration.json with a
 * robust loss on log error (soft-L1, scale 0.1), so one odd record does not
 * drag the rest. A device with measurements gets a shrunk correction factor
 * (its mean log error × n/(n+1)); a device without gets a wider band.
 *
 * Pure: the records are passed in; nothing is read here.
 */

export interface SpeedRecord {
  /** Bytes read per decoded token, GB (weights × read/total params). */
  bytesPerTokenGB: number;
  /** Vendor memory bandwidth of one device, GB/s. */
  bandwidthGBps: number;
  /** High-bandwidth memory, where single-stream decode saturates. */
  hbm: boolean;
  layers: number;
  deviceCount: number;
  /** Key of the device, for its correction factor. */
  deviceKey: string;
  measuredTokensPerSec: number;
}

export interface SpeedModel {
  efficiency: number;
  saturationGBps: number;
  perLayerSeconds: number;
  /** Multiplicative corrections of predicted time per device key (1 = none). */
  deviceFactor: Readonly<Record<string, number>>;
  /** Measured ÷ predicted speed at the 10th and 90th percentile, leave-one-out. */
  band: { low: number; high: number };
  /**
   * The same for a device with no measurements of its own: each measured device
   * predicted by a fit without its records and without its correction, 10th and
   * 90th percentile across devices; never narrower than `band`.
   */
  unmeasuredBand: { low: number; high: number };
}

/**
 * Extra time per token for each further device in llama.cpp's layer split, s:
 * an ESTIMATE from public measurements of one model on 1, 2 and 4 identical GPUs
 * that decode "within a few percent" of each other (REFERENCE.md).
 */
export const PER_EXTRA_DEVICE_SECONDS = 0.00025;

interface Params {
  efficiency: number;
  saturationGBps: number;
  perLayerSeconds: number;
}

/** Predicted seconds per token before any device correction. */
export function baseSecondsPerToken(p: Params, r: Omit<SpeedRecord, 'deviceKey' | 'measuredTokensPerSec'>): number {
  const w = r.bandwidthGBps;
  const effectiveGBps = r.hbm ? (p.efficiency * w) / Math.sqrt(1 + (w / p.saturationGBps) ** 2) : p.efficiency * w;
  return (
    r.bytesPerTokenGB / effectiveGBps +
    p.perLayerSeconds * r.layers +
    PER_EXTRA_DEVICE_SECONDS * Math.max(0, r.deviceCount - 1)
  );
}

const LOSS_SCALE = 0.1;

function softL1(residual: number): number {
  const z = (residual / LOSS_SCALE) ** 2;
  return 2 * (Math.sqrt(1 + z) - 1);
}

function fromVector(v: readonly number[]): Params {
  return {
    efficiency: Math.exp(v[0] ?? 0),
    saturationGBps: Math.exp(v[1] ?? 0) * 1000,
    perLayerSeconds: Math.exp(v[2] ?? 0) * 1e-4,
  };
}

function logError(p: Params, r: SpeedRecord): number {
  return Math.log(baseSecondsPerToken(p, r) * r.measuredTokensPerSec);
}

/** Nelder–Mead on a small vector; deterministic. */
function minimize(f: (v: number[]) => number, start: number[], iterations = 600): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((x, j) => (i === j ? x + 0.3 : x)))];
  let values = simplex.map(f);
  for (let it = 0; it < iterations; it++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i] as number[]);
    values = order.map(([v]) => v);
    const best = simplex[0] as number[];
    const worst = simplex[n] as number[];
    const centroid = best.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + (p[j] ?? 0), 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * ((worst[j] ?? 0) - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < (values[0] ?? 0)) {
      const expanded = along(-2);
      const fe = f(expanded);
      [simplex[n], values[n]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < (values[n - 1] ?? 0)) {
      [simplex[n], values[n]] = [reflected, fr];
    } else {
      const contracted = along(0.5);
      const fc = f(contracted);
      if (fc < (values[n] ?? 0)) {
        [simplex[n], values[n]] = [contracted, fc];
      } else {
        simplex = simplex.map((p) => p.map((x, j) => (best[j] ?? 0) + 0.5 * (x - (best[j] ?? 0))));
        values = simplex.map(f);
      }
    }
  }
  const i = values.indexOf(Math.min(...values));
  return simplex[i] as number[];
}

function fitParams(records: readonly SpeedRecord[]): Params {
  const start = [Math.log(0.8), Math.log(2), Math.log(0.6)];
  const objective = (v: number[]) => {
    const p = fromVector(v);
    return records.reduce((sum, r) => sum + softL1(logError(p, r)), 0);
  };
  return fromVector(minimize(objective, start));
}

function deviceFactors(p: Params, records: readonly SpeedRecord[]): Record<string, number> {
  const byDevice = new Map<string, number[]>();
  for (const r of records) {
    const list = byDevice.get(r.deviceKey) ?? [];
    list.push(logError(p, r));
    byDevice.set(r.deviceKey, list);
  }
  const factors: Record<string, number> = {};
  for (const [key, errors] of byDevice) {
    // Shrink towards no correction: one record moves the device half-way.
    const shrunk = errors.reduce((a, b) => a + b, 0) / (errors.length + 1);
    factors[key] = Math.exp(-shrunk);
  }
  return factors;
}

function predictSeconds(
  p: Params,
  factors: Readonly<Record<string, number>>,
  r: Omit<SpeedRecord, 'measuredTokensPerSec'>,
): number {
  return baseSecondsPerToken(p, r) * (factors[r.deviceKey] ?? 1);
}

export interface LeaveOneOutResult {
  /** Measured ÷ predicted speed for each record, predicted without it. */
  ratios: number[];
  /** |predicted − measured| ÷ measured for each record. */
  absErrors: number[];
  median: number;
  p90: number;
}

/** Fit on all records but one, predict that one; for every record. */
export function leaveOneOut(records: readonly SpeedRecord[]): LeaveOneOutResult {
  const ratios = records.map((held, i) => {
    const rest = records.filter((_, j) => j !== i);
    const p = fitParams(rest);
    const predictedTps = 1 / predictSeconds(p, deviceFactors(p, rest), held);
    return held.measuredTokensPerSec / predictedTps;
  });
  const absErrors = ratios.map((r) => Math.abs(1 / r - 1));
  return { ratios, absErrors, median: quantile(absErrors, 0.5), p90: quantile(absErrors, 0.9) };
}

/**
 * Measured ÷ predicted speed of each device (geometric mean over its records),
 * predicted by a fit on the other devices' records with no correction: how far
 * off the model is on a device it has never seen.
 */
export function leaveDeviceOut(records: readonly SpeedRecord[]): number[] {
  const keys = [...new Set(records.map((r) => r.deviceKey))];
  return keys.map((key) => {
    const held = records.filter((r) => r.deviceKey === key);
    const p = fitParams(records.filter((r) => r.deviceKey !== key));
    return Math.exp(held.reduce((sum, r) => sum + logError(p, r), 0) / held.length);
  });
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

/** Fit the model and its leave-one-out band on measured records. */
export function fitSpeedModel(records: readonly SpeedRecord[]): SpeedModel {
  const p = fitParams(records);
  const loo = leaveOneOut(records);
  const band = { low: quantile(loo.ratios, 0.1), high: quantile(loo.ratios, 0.9) };
  const unseen = leaveDeviceOut(records);
  return {
    ...p,
    deviceFactor: deviceFactors(p, records),
    band,
    unmeasuredBand: {
      low: Math.min(band.low, quantile(unseen, 0.1)),
      high: Math.max(band.high, quantile(unseen, 0.9)),
    },
  };
}

/** Decode tokens/s of one stream for a configuration under a fitted model. */
export function decodeTokensPerSecond(model: SpeedModel, r: Omit<SpeedRecord, 'measuredTokensPerSec'>): number {
  return 1 / predictSeconds(model, model.deviceFactor, r);
}
