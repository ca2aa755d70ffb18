/**
 * What a finished job costs. Rented GPUs: price per GPU-hour × GPU count ×
 * seconds. A local GPU: board power × seconds × electricity price, plus an
 * optional hardware amortisation per hour. Pure.
 */

export type Pricing =
  | { provider: 'runpod'; gpuCount: number; pricePerGpuHourUsd: number }
  | { provider: 'local'; gpuCount: number; powerW: number; usdPerKwh: number; amortisationUsdPerHour: number };

export interface JobCost {
  costUsd: number;
  gpuSeconds: number;
  /** How the cost was computed, for the ledger and the receipt. */
  basis: string;
}

function secondsText(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}

export function jobCost(pricing: Pricing, busySeconds: number): JobCost {
  const seconds = Math.max(0, busySeconds);
  const gpuSeconds = seconds * pricing.gpuCount;
  if (pricing.provider === 'runpod') {
    return {
      costUsd: (pricing.pricePerGpuHourUsd * gpuSeconds) / 3600,
      gpuSeconds,
      basis: `${pricing.gpuCount} GPU × $${pricing.pricePerGpuHourUsd.toFixed(2)}/GPU-h × ${secondsText(seconds)} busy`,
    };
  }
  const energyUsd = ((pricing.powerW * pricing.gpuCount) / 1000) * (seconds / 3600) * pricing.usdPerKwh;
  const amortisationUsd = pricing.amortisationUsdPerHour * (seconds / 3600);
  const amortised = pricing.amortisationUsdPerHour > 0 ? ` + $${pricing.amortisationUsdPerHour}/h amortisation` : '';
  return {
    costUsd: energyUsd + amortisationUsd,
    gpuSeconds,
    basis: `${pricing.powerW * pricing.gpuCount} W × ${secondsText(seconds)} × $${pricing.usdPerKwh}/kWh${amortised}`,
  };
}
