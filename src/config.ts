import { parseWindows } from './runpod/schedule.ts';
import { isTimeZone } from './time/zone.ts';

/**
 * Every setting fitbot reads from the environment, validated at once. This is
 * the only module that reads `process.env`; `.env.example` documents each
 * variable.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** An OpenAI-compatible model server a worker sends prompts to. */
export interface ModelServerConfig {
  baseURL: string;
  apiKey?: string;
  /** Model name sent in requests (llama-server ignores it; vLLM and proxies route on it). */
  model: string;
  /** Concurrent requests the server takes (llama-server `--parallel`): the worker's concurrency. */
  concurrency: number;
  /** Catalog quant of the weights the server runs, for receipts. */
  quant: string;
  /** Catalog hardware id and device count the server runs on. */
  hardware: string;
  gpuCount: number;
}

export interface ScoutConfig extends ModelServerConfig {
  /** Board power of the local GPUs in W, overriding the catalog (for the electricity cost). */
  powerW?: number;
}

export interface MaverickConfig extends ModelServerConfig {
  /** Rental price per GPU-hour, USD; default: the catalog's dated RunPod secure price. */
  pricePerGpuHourUsd?: number;
  /** In auto routing, a heavy prompt waits at most this long for Maverick, s. */
  maxWaitSeconds: number;
  /** Set when RUNPOD_API_KEY and RUNPOD_POD_ID are: the server runs on a pod this process starts and stops. */
  pod?: PodConfig;
}

/** The RunPod pod Maverick runs on, and the policy that decides when it runs. */
export interface PodConfig {
  apiKey: string;
  /** The pod to resume and stop (a recreated pod replaces it; the current id lives in Redis). */
  podId: string;
  /** API base: GraphQL at `$base/graphql`; default RunPod's own. */
  apiUrl?: string;
  /** A policy name: always-on, idle-stop-<N>m, windows, adaptive. */
  policy: string;
  /** p95 wait the adaptive policy aims for, s. */
  waitTargetSeconds: number;
  /** Expected time from resume to /health 200, s (for ETAs and the policy). */
  coldStartSeconds: number;
  /** Schedule windows (`Mon-Fri 09:00-18:00`) in `timeZone`. */
  windows: string;
  timeZone: string;
  /** How often the controller looks at the pod, the queue and the policy, ms. */
  pollMs: number;
  /** A pod whose model server is not healthy this long after resume is stopped, ms. */
  healthTimeoutMs: number;
  /** Runaway guard: pod-hours allowed per UTC day and per ISO week. */
  maxPodHoursPerDay: number;
  maxPodHoursPerWeek: number;
}

export interface AskConfig {
  /** Longest answer asked of a model, tokens. */
  maxTokens: number;
  /** A request with no bytes from the server for this long is abandoned (and retried), ms. */
  timeoutMs: number;
  /** Tries per /ask job, the first included. */
  attempts: number;
  /** First retry delay; doubles on each retry, ms. */
  backoffMs: number;
  /** BullMQ lock duration: a worker that stops renewing it for this long loses the job to another, ms. */
  lockMs: number;
  /** Per-user rate limit: at most this many /ask in any window of `userRateWindowSeconds`. */
  userRateLimit: number;
  userRateWindowSeconds: number;
}

export interface DiscordConfig {
  token: string;
  applicationId: string;
  /** REST base without the version (DISCORD_API_URL), default https://discord.com/api. */
  apiUrl: string;
  /** Register commands to this guild (development) instead of globally. */
  guildId?: string;
}

export interface SlackConfig {
  botToken: string;
  mode: 'socket' | 'http';
  /** Socket Mode app-level token (xapp-…). */
  appToken?: string;
  /** HTTP mode: verifies every request's signature. */
  signingSecret?: string;
  port: number;
  /** Web API base (SLACK_API_URL), default https://slack.com/api/. */
  apiUrl: string;
  /** Users allowed to run admin commands. */
  adminUserIds: string[];
}

/** The operations endpoint: /healthz, /metrics and the queue dashboard. */
export interface OpsConfig {
  /** OPS_PORT, default 9464; 0 picks a free port. */
  port: number;
  /** OPS_HOST, default 127.0.0.1: /metrics names teams and their spend. The image sets 0.0.0.0 (Docker publishes it). */
  host: string;
  /** OPS_PASSWORD: the dashboard under /queues is served only when it is set (HTTP basic auth). */
  password?: string;
}

export interface Config {
  logLevel: LogLevel;
  ops: OpsConfig;
  /** Model workers `npm start` runs in its own process (FITBOT_WORKERS): all configured ones by default, or none when they run elsewhere. */
  workers: readonly ('scout' | 'maverick')[];
  /** On SIGTERM, in-flight answers get this long to finish before their jobs are handed back to the queue, ms. */
  shutdownGraceMs: number;
  /** Set when DISCORD_TOKEN is: the Discord adapter runs. */
  discord?: DiscordConfig;
  /** Set when SLACK_BOT_TOKEN is: the Slack adapter runs. */
  slack?: SlackConfig;
  /** A team's catalog file added to the built-in one (FITBOT_CATALOG). */
  catalogFile?: string;
  /** Electricity price for owned hardware, USD per kWh. */
  electricityUsdPerKwh: number;
  /** Hardware amortisation added to a local GPU's cost, USD per hour of use. */
  localAmortisationUsdPerHour: number;
  /** Local user name for the console chat. */
  consoleUser: string;
  redisUrl: string;
  /** Whether REDIS_URL was given (otherwise a private redis-server may be started). */
  redisUrlExplicit: boolean;
  /** Key prefix for every Redis key (BullMQ queues and the ledger). */
  redisPrefix: string;
  /** Where a private redis-server keeps its append-only file. */
  dataDir: string;
  scout?: ScoutConfig;
  maverick?: MaverickConfig;
  ask: AskConfig;
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
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

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
  const optionalNumber = (name: string, check: (n: number) => boolean, what: string) =>
    value(name) === undefined ? undefined : number(name, 0, check, what);
  const count = (name: string, fallback: number, max: number) =>
    number(name, fallback, (n) => Number.isInteger(n) && n >= 1 && n <= max, `a whole number from 1 to ${max}`);
  const url = (name: string) => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!['http:', 'https:', 'redis:', 'rediss:'].includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      // Not echoed: a URL may carry a password, and this goes to the logs.
      problems.push(`${name} must be a URL with a scheme and host, e.g. redis://host:6379 or https://host/v1`);
      return undefined;
    }
  };

  const logLevelRaw = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${logLevelRaw.slice(0, 20)}')`);
  }
  const redisUrl = url('REDIS_URL');
  if (redisUrl && !/^rediss?:/.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');
  const prefix = value('REDIS_PREFIX') ?? 'fitbot';
  if (/[\s:]/.test(prefix)) problems.push(`REDIS_PREFIX must not contain spaces or ':' (got '${prefix.slice(0, 20)}')`);

  const scoutUrl = url('SCOUT_BASE_URL');
  const maverickUrl = url('MAVERICK_BASE_URL');
  const scoutKey = value('SCOUT_API_KEY');
  const maverickKey = value('MAVERICK_API_KEY');
  const scoutPower = optionalNumber('SCOUT_POWER_W', (n) => n > 0 && n < 100_000, 'a power in W');
  const maverickPrice = optionalNumber('MAVERICK_PRICE_PER_GPU_HOUR_USD', (n) => n >= 0 && n < 1000, 'a price in USD');
  // Checked even without a pod, so a typo is not found only on the day the RunPod keys are set.
  const policy = value('MAVERICK_POLICY');
  if (policy !== undefined && !POLICY_NAME.test(policy))
    problems.push(
      `MAVERICK_POLICY must be always-on, idle-stop-<N>m, windows or adaptive (got '${policy.slice(0, 30)}')`,
    );
  const pod = podConfig(value, number, problems);

  const config: Config = {
    logLevel: LOG_LEVELS.includes(logLevelRaw as LogLevel) ? (logLevelRaw as LogLevel) : 'info',
    electricityUsdPerKwh: number(
      'ELECTRICITY_USD_PER_KWH',
      DEFAULT_ELECTRICITY_USD_PER_KWH,
      (n) => n >= 0 && n < 10,
      'a price in USD per kWh between 0 and 10',
    ),
    localAmortisationUsdPerHour: number(
      'LOCAL_AMORTISATION_USD_PER_HOUR',
      0,
      (n) => n >= 0 && n < 1000,
      'USD per hour ≥ 0',
    ),
    consoleUser: value('FITBOT_USER') ?? value('USER') ?? value('USERNAME') ?? 'console-user',
    redisUrl: redisUrl ?? DEFAULT_REDIS_URL,
    redisUrlExplicit: redisUrl !== undefined,
    redisPrefix: prefix,
    workers: workerList(value('FITBOT_WORKERS'), problems),
    shutdownGraceMs: number(
      'SHUTDOWN_GRACE_MS',
      25_000,
      (n) => Number.isInteger(n) && n >= 0 && n <= 600_000,
      'ms from 0 to 600000',
    ),
    ops: {
      port: number('OPS_PORT', 9464, (n) => Number.isInteger(n) && n >= 0 && n < 65_536, 'a port number'),
      host: value('OPS_HOST') ?? '127.0.0.1',
      ...(value('OPS_PASSWORD') ? { password: value('OPS_PASSWORD') as string } : {}),
    },
    dataDir: value('FITBOT_DATA_DIR') ?? '.fitbot',
    ask: {
      maxTokens: count('ASK_MAX_TOKENS', 1024, 32_768),
      timeoutMs: count('ASK_TIMEOUT_MS', 60_000, 600_000),
      attempts: count('ASK_ATTEMPTS', 3, 10),
      backoffMs: count('ASK_BACKOFF_MS', 2000, 600_000),
      lockMs: count('WORKER_LOCK_MS', 30_000, 600_000),
      userRateLimit: count('ASK_USER_RATE_LIMIT', 20, 100_000),
      userRateWindowSeconds: count('ASK_USER_RATE_WINDOW_SECONDS', 600, 86_400),
    },
  };
  if (scoutUrl) {
    config.scout = {
      baseURL: scoutUrl,
      ...(scoutKey ? { apiKey: scoutKey } : {}),
      model: value('SCOUT_MODEL') ?? 'llama-4-scout',
      concurrency: count('SCOUT_CONCURRENCY', 1, 256),
      quant: value('SCOUT_QUANT') ?? 'Q4_K_M',
      hardware: value('SCOUT_HARDWARE') ?? 'rtx-4090',
      gpuCount: count('SCOUT_GPU_COUNT', 1, 16),
      ...(scoutPower !== undefined ? { powerW: scoutPower } : {}),
    };
  }
  if (maverickUrl) {
    config.maverick = {
      baseURL: maverickUrl,
      ...(maverickKey ? { apiKey: maverickKey } : {}),
      model: value('MAVERICK_MODEL') ?? 'llama-4-maverick',
      concurrency: count('MAVERICK_CONCURRENCY', 1, 256),
      quant: value('MAVERICK_QUANT') ?? 'UD-Q2_K_XL',
      hardware: value('MAVERICK_GPU') ?? 'h100-sxm',
      gpuCount: count('MAVERICK_GPU_COUNT', 2, 16),
      maxWaitSeconds: count('MAVERICK_MAX_WAIT_SECONDS', 900, 86_400),
      ...(maverickPrice !== undefined ? { pricePerGpuHourUsd: maverickPrice } : {}),
      ...(pod ? { pod } : {}),
    };
  } else if (pod) {
    problems.push(
      "RUNPOD_POD_ID needs MAVERICK_BASE_URL (the pod's model server, e.g. https://<podId>-8080.proxy.runpod.net/v1)",
    );
  }
  const discordToken = value('DISCORD_TOKEN');
  if (discordToken) {
    const applicationId = value('DISCORD_APPLICATION_ID');
    if (!applicationId) problems.push('DISCORD_APPLICATION_ID is required with DISCORD_TOKEN');
    const guildId = value('DISCORD_GUILD_ID');
    config.discord = {
      token: discordToken,
      applicationId: applicationId ?? '',
      apiUrl: (url('DISCORD_API_URL') ?? 'https://discord.com/api').replace(/\/+$/, ''),
      ...(guildId ? { guildId } : {}),
    };
  }
  const slackToken = value('SLACK_BOT_TOKEN');
  if (slackToken) {
    const mode = value('SLACK_MODE') ?? 'socket';
    if (mode !== 'socket' && mode !== 'http')
      problems.push(`SLACK_MODE must be socket or http (got '${mode.slice(0, 20)}')`);
    const appToken = value('SLACK_APP_TOKEN');
    const signingSecret = value('SLACK_SIGNING_SECRET');
    if (mode === 'socket' && !appToken) problems.push('SLACK_APP_TOKEN (xapp-…) is required in Socket Mode');
    if (mode === 'http' && !signingSecret) problems.push('SLACK_SIGNING_SECRET is required in HTTP mode');
    config.slack = {
      botToken: slackToken,
      mode: mode === 'http' ? 'http' : 'socket',
      ...(appToken ? { appToken } : {}),
      ...(signingSecret ? { signingSecret } : {}),
      port: number('SLACK_PORT', 3000, (n) => Number.isInteger(n) && n >= 0 && n < 65_536, 'a port number'),
      apiUrl: url('SLACK_API_URL') ?? 'https://slack.com/api/',
      adminUserIds: (value('SLACK_ADMIN_USER_IDS') ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    };
  }
  const catalogFile = value('FITBOT_CATALOG');
  if (catalogFile) config.catalogFile = catalogFile;

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** FITBOT_WORKERS: `all` (default), `none`, or a list like `scout` or `scout,maverick`. */
function workerList(raw: string | undefined, problems: string[]): readonly ('scout' | 'maverick')[] {
  const text = (raw ?? 'all').toLowerCase();
  if (text === 'all') return ['scout', 'maverick'];
  if (text === 'none') return [];
  const names = text.split(',').map((w) => w.trim());
  const bad = names.filter((w) => w !== 'scout' && w !== 'maverick');
  if (bad.length > 0)
    problems.push(`FITBOT_WORKERS must be all, none, or a list of scout and maverick (got '${text.slice(0, 30)}')`);
  return names.filter((w): w is 'scout' | 'maverick' => w === 'scout' || w === 'maverick');
}

const POLICY_NAME = /^(always-on|windows|adaptive|idle-stop-\d+(\.\d+)?m)$/;

/** The pod settings, when RUNPOD_API_KEY and RUNPOD_POD_ID are set; problems are added to the list. */
function podConfig(
  value: (name: string) => string | undefined,
  number: (name: string, fallback: number, check: (n: number) => boolean, what: string) => number,
  problems: string[],
): PodConfig | undefined {
  const apiKey = value('RUNPOD_API_KEY');
  const podId = value('RUNPOD_POD_ID');
  if (!apiKey && !podId) return undefined;
  if (!apiKey || !podId) {
    problems.push('RUNPOD_API_KEY and RUNPOD_POD_ID go together');
    return undefined;
  }
  const apiUrl = value('RUNPOD_API_URL');
  if (apiUrl && !/^https?:\/\//.test(apiUrl)) problems.push('RUNPOD_API_URL must be an http(s) URL');
  const policy = value('MAVERICK_POLICY') ?? 'adaptive';
  const windows = value('MAVERICK_WINDOWS') ?? 'Mon-Fri 09:00-18:00';
  try {
    parseWindows(windows);
  } catch (error) {
    problems.push(`MAVERICK_WINDOWS: ${error instanceof Error ? error.message : String(error)}`);
  }
  const timeZone = value('MAVERICK_TIMEZONE') ?? 'UTC';
  if (!isTimeZone(timeZone))
    problems.push(`MAVERICK_TIMEZONE must be an IANA time zone (got '${timeZone.slice(0, 40)}')`);
  const seconds = (name: string, fallback: number, max: number) =>
    number(name, fallback, (n) => n >= 0 && n <= max, `seconds from 0 to ${max}`);
  const hours = (name: string, fallback: number, max: number) =>
    number(name, fallback, (n) => n > 0 && n <= max, `hours from 0 to ${max}`);
  return {
    apiKey,
    podId,
    ...(apiUrl ? { apiUrl: apiUrl.replace(/\/+$/, '') } : {}),
    policy,
    waitTargetSeconds: seconds('MAVERICK_WAIT_TARGET_SECONDS', 600, 86_400),
    coldStartSeconds: seconds('MAVERICK_COLD_START_SECONDS', 600, 7200),
    windows,
    timeZone,
    pollMs: number('MAVERICK_POD_POLL_MS', 15_000, (n) => n >= 50 && n <= 600_000, 'ms from 50 to 600000'),
    healthTimeoutMs: number(
      'MAVERICK_HEALTH_TIMEOUT_MS',
      30 * 60_000,
      (n) => n >= 100 && n <= 4 * 3_600_000,
      'ms from 100 to 14400000',
    ),
    maxPodHoursPerDay: hours('MAVERICK_MAX_POD_HOURS_PER_DAY', 14, 24),
    maxPodHoursPerWeek: hours('MAVERICK_MAX_POD_HOURS_PER_WEEK', 60, 168),
  };
}

/** The configuration of this process. */
export function readConfig(): Readonly<Config> {
  return parseConfig(process.env);
}

/**
 * The configuration `fitbot simulate` runs on: every MAVERICK_* setting (policy, price, GPUs, windows, cold
 * start…) as configured, with stand-ins for the server and pod addresses a simulation never calls.
 */
export function readSimulationConfig(): Readonly<Config> {
  const env = process.env;
  return parseConfig({
    ...env,
    MAVERICK_BASE_URL: env.MAVERICK_BASE_URL ?? 'http://127.0.0.1/v1',
    RUNPOD_API_KEY: env.RUNPOD_API_KEY ?? 'simulation',
    RUNPOD_POD_ID: env.RUNPOD_POD_ID ?? 'simulation',
  });
}
