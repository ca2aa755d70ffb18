import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { commands } from '../commands/index.ts';
import type { CommandContext, FitServices } from './command/command.ts';
import type { DispatchOptions } from './command/dispatch.ts';
import type { Config } from './config.ts';
import { UserError } from './errors.ts';
import { MEASURED_RECORDS, measuredPromptSpeeds, SPEED_MODEL } from './fit/calibration.ts';
import { BUILTIN_CATALOG } from './fit/catalog/index.ts';
import { mergeCatalogs, parseCatalog } from './fit/catalog/validate.ts';
import type { Logger } from './log.ts';

/** Read and validate a team's catalog file; UserError says what is wrong with it. */
export function readCatalogFile(path: string): ReturnType<typeof parseCatalog> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read catalog file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`catalog file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseCatalog(json);
}

/** The /fit engine's inputs: the built-in catalog, plus the team's file if one is configured. */
export function fitServices(config: Pick<Config, 'electricityUsdPerKwh'>, catalogFile?: string): FitServices {
  const catalog = catalogFile ? mergeCatalogs(BUILTIN_CATALOG, readCatalogFile(catalogFile)) : BUILTIN_CATALOG;
  return {
    catalog,
    engine: {
      speedModel: SPEED_MODEL,
      electricityUsdPerKwh: config.electricityUsdPerKwh,
      promptSpeeds: measuredPromptSpeeds(catalog, MEASURED_RECORDS),
    },
  };
}

/** Dispatch options shared by every adapter: the commands, and failures logged with an id. */
export function dispatchOptions(log: Logger): DispatchOptions {
  return {
    commands,
    newErrorId: () => randomUUID().slice(0, 8),
    onFailure: ({ errorId, command, error }, ctx: CommandContext) => {
      log.error('command failed', {
        errorId,
        command,
        platform: ctx.platform,
        team: ctx.team,
        error,
      });
    },
  };
}
