/**
 * What a finished job costs. Rented GPUs: price per GPU-hour × GPU count ×
 * seconds. A local GPU: board power × seconds × electricity price, plus an
 * optional hardware amortisation per hour. A server with several slots
 * (llama-server `--parallel`) runs that many jobs at once on the same GPUs, so a
 * job is charged its slot's share: the box's cost ÷ slots. Pure.
 */

interface Box {
  gpuCount: number;
  /** Jobs the server runs at once on these GPUs (≥ 1). */
  slots?: number;
}

export type Pricing =
  | (Box & { provider: 'runpod'; pricePerGpuHourUsd: number })
  | (Box & { provider: 'local'; powerW: number; usdPerKwh: number; amortisationUsdPerHour: number });

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
  const slots = Math.max(1, pricing.slots ?? 1);
  const share = slots > 1 ? ` ÷ ${slots} slots` : '';
  const gpuSeconds = (seconds * pricing.gpuCount) / slots;
  if (pricing.provider === 'runpod') {
    return {
      costUsd: (pricing.pricePerGpuHourUsd * gpuSeconds) / 3600,
      gpuSeconds,
      basis: `${pricing.gpuCount} GPU × $${pricing.pricePerGpuHourUsd.toFixed(2)}/GPU-h × ${secondsText(seconds)} busy${share}`,
    };
  }
  const energyUsd = ((pricing.powerW * pricing.gpuCount) / 1000) * (seconds / 3600) * pricing.usdPerKwh;
  const amortisationUsd = pricing.amortisationUsdPerHour * (seconds / 3600);
  const amortised = pricing.amortisationUsdPerHour > 0 ? ` + $${pricing.amortisationUsdPerHour}/h amortisation` : '';
  return {
    costUsd: (energyUsd + amortisationUsd) / slots,
    gpuSeconds,
    basis: `${pricing.powerW * pricing.gpuCount} W × ${secondsText(seconds)} × $${pricing.usdPerKwh}/kWh${amortised}${share}`,
  };
}
