/**
 * Every setting fitbot reads from the environment, validated at once. This is
 * the only module that reads `process.env`; `.env.example` documents each
 * variable.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  logLevel: LogLevel;
  /** A team's catalog file added to the built-in one (FITBOT_CATALOG). */
  catalogFile?: string;
  /** Electricity price for owned hardware, USD per kWh. */
  electricityUsdPerKwh: number;
  /** Local user name for the console chat. */
  consoleUser: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * ESTIMATE: the US average residential price, about $0.17/kWh (EIA, Electric
 * Power Monthly, 2025). Set ELECTRICITY_USD_PER_KWH to your own tariff.
 */
export const DEFAULT_ELECTRICITY_USD_PER_KWH = 0.17;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Parse and validate the environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Env): Readonly<Config> {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const number = (name: string, fallback: number, check: (n: number) => boolean, what: string) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) {
      problems.push(`${name} must be ${what} (got '${raw.slice(0, 20)}')`);
      return fallback;
    }
    return n;
  };

  const logLevelRaw = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${logLevelRaw.slice(0, 20)}')`);
  }
  const config: Config = {
    logLevel: LOG_LEVELS.includes(logLevelRaw as LogLevel) ? (logLevelRaw as LogLevel) : 'info',
    electricityUsdPerKwh: number(
      'ELECTRICITY_USD_PER_KWH',
      DEFAULT_ELECTRICITY_USD_PER_KWH,
      (n) => n >= 0 && n < 10,
      'a price in USD per kWh between 0 and 10',
    ),
    consoleUser: value('FITBOT_USER') ?? value('USER') ?? value('USERNAME') ?? 'console-user',
  };
  const catalogFile = value('FITBOT_CATALOG');
  if (catalogFile) config.catalogFile = catalogFile;

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The configuration of this process. */
export function readConfig(): Readonly<Config> {
  return parseConfig(process.env);
}
