import type { FitServices } from '../command/command.ts';
import { promptSpeedFloor } from '../fit/calibration.ts';
import { fit } from '../fit/engine.ts';
import type { EndpointPlan } from './endpoints.ts';

/** How fast a model server's model runs, as the /fit engine estimates it, with where the numbers come from. */
export interface ServerSpeed {
  decodeTokensPerSec: number;
  promptTokensPerSec: number;
  source: string;
}

/**
 * The /fit engine's speed for the model a plan serves: decode from the
 * calibrated bandwidth model (est.), prompt processing from a measurement for
 * the same file and device where there is one, else a floor from the measured
 * MoE records.
 */
export function serverSpeed(plan: EndpointPlan, services: FitServices): ServerSpeed {
  const { server } = plan;
  const speed = fit(
    services.catalog,
    {
      model: plan.queue,
      quant: server.quant,
      hardware: `${server.gpuCount}x${server.hardware}`,
      parallel: server.concurrency,
    },
    services.engine,
  ).evaluation.speed;
  const prompt = speed.prompt ?? promptSpeedFloor(speed.decodeTokensPerSec);
  return {
    decodeTokensPerSec: speed.decodeTokensPerSec,
    promptTokensPerSec: prompt.tokensPerSec,
    source: `/fit estimate for ${plan.label.model} ${server.quant} on ${server.gpuCount}× ${plan.label.hardware}: decode ${speed.decodeTokensPerSec.toFixed(1)} tok/s (est.), prompt ${prompt.tokensPerSec.toFixed(0)} tok/s (${prompt.source})`,
  };
}

/** Seconds a server is busy on one answer at these speeds. */
export function busySeconds(speed: ServerSpeed, promptTokens: number, completionTokens: number): number {
  return promptTokens / speed.promptTokensPerSec + completionTokens / speed.decodeTokensPerSec;
}
