import type { Config, ModelServerConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import type { Catalog } from '../fit/catalog/types.ts';
import { resolveHardware } from '../fit/resolve.ts';
import type { ModelQueue } from '../queue/jobs.ts';
import type { Pricing } from '../spend/pricing.ts';
import type { ModelLabel } from './answer.ts';

/** How a model queue's worker reaches its server and prices its work. */
export interface EndpointPlan {
  queue: ModelQueue;
  server: ModelServerConfig;
  label: ModelLabel;
  pricing: Pricing;
}

const MODEL_NAMES: Readonly<Record<ModelQueue, string>> = { scout: 'Llama 4 Scout', maverick: 'Llama 4 Maverick' };

/**
 * The plan for one model queue from config and the catalog: Scout runs on local
 * GPUs (electricity at the catalog's board power unless SCOUT_POWER_W is set),
 * Maverick on rented ones (MAVERICK_PRICE_PER_GPU_HOUR_USD, else a team catalog's
 * price, else the catalog's dated RunPod price). Undefined when the queue's server is not configured.
 */
export function endpointPlan(queue: ModelQueue, config: Config, catalog: Catalog): EndpointPlan | undefined {
  const server = queue === 'scout' ? config.scout : config.maverick;
  if (!server) return undefined;
  const device = resolveHardware(catalog, server.hardware).device;
  const label: ModelLabel = {
    model: MODEL_NAMES[queue],
    quant: server.quant,
    hardware: device.name,
    gpuCount: server.gpuCount,
    provider: queue === 'scout' ? 'local' : 'runpod',
  };
  if (queue === 'scout') {
    const powerW = config.scout?.powerW ?? device.boardPowerW;
    if (powerW === undefined) {
      throw new UserError(`no board power known for ${device.name}: set SCOUT_POWER_W`);
    }
    return {
      queue,
      server,
      label,
      pricing: {
        provider: 'local',
        gpuCount: server.gpuCount,
        slots: server.concurrency,
        powerW,
        usdPerKwh: config.electricityUsdPerKwh,
        amortisationUsdPerHour: config.localAmortisationUsdPerHour,
      },
    };
  }
  // Same order as /fit: the team's own price (env, then catalog) beats the dated RunPod quotes.
  const price =
    config.maverick?.pricePerGpuHourUsd ??
    device.pricePerHourUsd ??
    device.prices?.secure?.perGpuHourUsd ??
    device.prices?.community?.perGpuHourUsd;
  if (price === undefined)
    throw new UserError(`no price known for ${device.name}: set MAVERICK_PRICE_PER_GPU_HOUR_USD`);
  return {
    queue,
    server,
    label,
    // Several slots answer at once on the same GPUs: each pays its slot's share (settled exactly per run on a pod).
    pricing: { provider: 'runpod', gpuCount: server.gpuCount, slots: server.concurrency, pricePerGpuHourUsd: price },
  };
}
