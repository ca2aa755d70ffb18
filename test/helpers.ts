import type { CommandContext, TeamPort } from '../src/command/command.ts';
import type { Reply } from '../src/command/reply.ts';
import { DEFAULT_ELECTRICITY_USD_PER_KWH } from '../src/config.ts';
import { MEASURED_RECORDS, measuredPromptSpeeds, SPEED_MODEL } from '../src/fit/calibration.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import type { Catalog } from '../src/fit/catalog/types.ts';
import { type EngineContext, type FitRequest, type FitResult, fit } from '../src/fit/engine.ts';
import type { Pipeline } from '../src/pipeline.ts';
import type { Receipt } from '../src/queue/jobs.ts';
import type { LedgerEntry } from '../src/spend/ledger-entry.ts';
import type { TeamSettings } from '../src/team/settings.ts';

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

/** A ledger entry for a small Scout answer by ada in team T1; override what a test is about. */
export function testEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    jobId: 'job-1',
    team: 'T1',
    userId: 'U1',
    userName: 'ada',
    status: 'ok',
    model: 'Llama 4 Scout',
    quant: 'Q4_K_M',
    hardware: 'RTX 4090',
    gpuCount: 1,
    provider: 'local',
    startedAtMs: Date.parse('2026-11-24T10:00:00Z'),
    endedAtMs: Date.parse('2026-11-24T10:00:02Z'),
    promptTokens: 10,
    completionTokens: 20,
    gpuSeconds: 2,
    costUsd: 0.01,
    costBasis: '450 W × 2.00 s × $0.17/kWh',
    route: 'scout: test',
    ...overrides,
  };
}

/** A plain-object TeamPort: a team's settings in memory, changed the way the Redis-backed one changes them. */
export function memoryTeams(): TeamPort & { store: Map<string, TeamSettings> } {
  const store = new Map<string, TeamSettings>();
  return {
    store,
    async settings(team) {
      return store.get(team) ?? {};
    },
    async update(team, change) {
      const next: Record<string, unknown> = { ...(store.get(team) ?? {}) };
      for (const [k, v] of Object.entries(change)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      store.set(team, next as TeamSettings);
      return { settings: next as TeamSettings };
    },
  };
}

/** A console /ask on Scout by user u1 of `team`, through the real pipeline: resolves with its first reply. */
export function askScout(pipeline: Pipeline, team: string, interactionId: string, prompt: string): Promise<Reply> {
  const { ask } = pipeline;
  if (!ask) return Promise.reject(new Error('the /ask pipeline is not running'));
  return new Promise((resolve, reject) => {
    ask
      .submit(
        {
          team,
          platform: 'console',
          interactionId,
          userId: 'u1',
          userName: 'u1',
          prompt,
          target: 'scout',
          routeReason: 'test',
        },
        async (reply) => resolve(reply),
      )
      .catch(reject);
  });
}
