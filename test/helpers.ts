import type { CommandContext } from '../src/command/command.ts';
import { DEFAULT_ELECTRICITY_USD_PER_KWH } from '../src/config.ts';
import { MEASURED_RECORDS, measuredPromptSpeeds, SPEED_MODEL } from '../src/fit/calibration.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import type { Catalog } from '../src/fit/catalog/types.ts';
import { type EngineContext, type FitRequest, type FitResult, fit } from '../src/fit/engine.ts';
import type { Receipt } from '../src/queue/jobs.ts';

export const engine: EngineContext = {
  speedModel: SPEED_MODEL,
  electricityUsdPerKwh: DEFAULT_ELECTRICITY_USD_PER_KWH,
  promptSpeeds: measuredPromptSpeeds(BUILTIN_CATALOG, MEASURED_RECORDS),
};

/** `/fit` on the built-in catalog from loose words, as a user would type them. */
export function fitOf(
  model: string,
  quant: string,
  hardware: string,
  extra: Partial<FitRequest> = {},
  catalog: Catalog = BUILTIN_CATALOG,
): FitResult {
  return fit(catalog, { model, quant, hardware, ...extra }, engine);
}

/** A plain command context: the console team, a fixed user and time. */
export function testContext(overrides: Partial<CommandContext> = {}): CommandContext {
  return {
    platform: 'console',
    team: 'console',
    user: { id: 'u1', name: 'ada' },
    now: new Date('2026-11-27T12:00:00Z'),
    fit: { catalog: BUILTIN_CATALOG, engine },
    ...overrides,
  };
}

/** A receipt for a tiny Scout answer on a local RTX 4090; override what a test is about. */
export function testReceipt(overrides: Partial<Receipt> = {}): Receipt {
  return {
    model: 'Llama 4 Scout',
    quant: 'Q4_K_M',
    hardware: 'RTX 4090',
    gpuCount: 1,
    provider: 'local',
    promptTokens: 3,
    completionTokens: 1,
    tokensPerSec: 100,
    latencyMs: 60,
    costUsd: 0.0000012,
    costBasis: '450 W × 0.06 s × $0.17/kWh',
    teamWeekUsd: 0.0000012,
    userWeekUsd: 0.0000012,
    ...overrides,
  };
}
