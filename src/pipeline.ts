import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startModelWorker } from '../workers/pod-worker.ts';
import { startReplyWorker } from '../workers/replies.ts';
import { startSummaryWorker } from '../workers/summaries.ts';
import { fitServices } from './app.ts';
import { type EndpointPlan, endpointPlan } from './ask/endpoints.ts';
import { serverSpeed } from './ask/maverick-speed.ts';
import type { Platform, SpendPort } from './command/command.ts';
import type { Reply } from './command/reply.ts';
import type { Config } from './config.ts';
import { isUserError, UserError } from './errors.ts';
import type { Catalog } from './fit/catalog/types.ts';
import { ensureRedis, type LocalRedis, REDIS_INSTALL_HINT } from './infra/local-redis.ts';
import type { Logger } from './log.ts';
import type { FitbotMetrics } from './ops/metrics.ts';
import type { WorkerLike } from './ops/server.ts';
import { AskQueue } from './queue/ask-queue.ts';
import { type ModelQueue, QUEUES, type ReplyJobData } from './queue/jobs.ts';
import { clientConnection } from './queue/redis.ts';
import { PodStore } from './runpod/pod-store.ts';
import { type PodWait, podWait } from './runpod/present.ts';
import { RedisLedger } from './spend/redis-ledger.ts';
import { type SummaryJobData, TeamService } from './team/service.ts';
import { TeamSettingsStore } from './team/settings.ts';

export interface Pipeline {
  ask?: AskQueue;
  spend?: SpendPort;
  teams?: TeamService;
  /** What the ops server looks at: the Redis client, the queues, this process's workers, the pod. */
  ops?: { redis: Redis; queues: Queue[]; workers: WorkerLike[]; pod?: PodStore };
  /** Why /ask and /spend are off, when they are. */
  unavailable?: string;
  close(): Promise<void>;
}

export interface PipelineOptions {
  config: Readonly<Config>;
  catalog: Catalog;
  log: Logger;
  /** Which model workers run in this process (all-in-one by default). */
  workers: readonly ModelQueue[];
  /** Post an answer whose reply handle is gone, naming the asker. */
  deliverOrphan: (data: ReplyJobData) => Promise<void>;
  /** Post a message to a team's channel (budget warnings, weekly summaries); absent, they are logged. */
  post?: ChannelPost;
  metrics?: FitbotMetrics;
}

/** Posts a reply to a channel of a platform, its image attached. */
export type ChannelPost = (platform: Platform, channel: string, reply: Reply) => Promise<void>;

function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis did not become ready')), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A team service on this Redis: settings, budgets (Maverick's price and /fit
 * speed for the estimate of an answer) and summaries. `summaries` is the queue
 * the weekly summaries are scheduled on (read-only callers leave it out).
 */
export function createTeamService(
  config: Readonly<Config>,
  redis: Redis,
  catalog: Catalog,
  extra: { summaries?: Queue<SummaryJobData>; podWait?: () => Promise<PodWait>; pod?: PodStore } = {},
): TeamService {
  const plan = endpointPlan('maverick', config, catalog);
  const ledger = new RedisLedger(redis, config.redisPrefix);
  const { pod } = extra;
  /** The team's part of the open run's cost beyond what its answers were charged (all of it if nobody's yet). */
  const openRunUsd = async (team: string): Promise<number> => {
    const status = await pod?.status();
    if (!status?.runId || status.runStartedAtMs === undefined || status.state === 'stopped') return 0;
    if (plan?.pricing.provider !== 'runpod') return 0;
    const { chargedUsd, byTeam } = await ledger.runCharged(status.runId);
    const runUsd =
      ((Date.now() - status.runStartedAtMs) / 3_600_000) * plan.pricing.pricePerGpuHourUsd * plan.pricing.gpuCount;
    const share = chargedUsd > 0 ? (byTeam.get(team) ?? 0) / chargedUsd : 1;
    return Math.max(0, runUsd - chargedUsd) * share;
  };
  const fit = { catalog, engine: fitServices(config).engine };
  return new TeamService({
    settings: new TeamSettingsStore(redis, config.redisPrefix),
    ledger,
    ...(extra.summaries ? { summaries: extra.summaries } : {}),
    ...(plan?.pricing.provider === 'runpod'
      ? {
          maverick: {
            pricing: plan.pricing,
            speed: serverSpeed(plan, fit),
            maxTokens: config.ask.maxTokens,
            ...(extra.podWait ? { pod: extra.podWait } : {}),
            ...(pod ? { openRunUsd } : {}),
          },
        }
      : {}),
    now: Date.now,
  });
}

/** Find or start Redis: the configured one, else a private redis-server with its AOF in FITBOT_DATA_DIR. */
export async function connectRedis(config: Readonly<Config>, log: Logger): Promise<LocalRedis | { error: string }> {
  try {
    const redis = config.redisUrlExplicit
      ? await ensureRedis(config.redisUrl, { noStart: true })
      : await ensureRedis(config.redisUrl, { dataDir: join(config.dataDir, 'redis') });
    if (redis.stop)
      log.warn('no Redis answered; started a private redis-server', { url: redis.url, dataDir: config.dataDir });
    return redis;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { error: `/ask and /spend need Redis: ${why} ${config.redisUrlExplicit ? '' : REDIS_INSTALL_HINT}`.trim() };
  }
}

/**
 * The /ask pipeline of one process: Redis, the ask queues, the ledger, the
 * replies worker and the model workers asked for. Without Redis it returns why,
 * and /fit keeps working.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { config, log } = options;
  const redis = await connectRedis(config, log);
  if ('error' in redis) {
    log.warn('pipeline unavailable', { reason: redis.error });
    return { unavailable: redis.error, close: async () => {} };
  }
  const client = clientConnection(redis.url);
  client.on('error', (error) => log.debug('redis client error', { error: error.message }));
  try {
    await waitReady(client, 5000);
  } catch {
    client.disconnect();
    await redis.stop?.();
    // The host only: REDIS_URL may carry a password, and this text is shown to chat users.
    const unavailable = `/ask and /spend need Redis, which is not ready at ${new URL(redis.url).host} (still loading, or refusing the credentials?)`;
    return { unavailable, close: async () => {} };
  }

  const plans = (['scout', 'maverick'] as const).map((q) => endpointPlan(q, config, options.catalog));
  const [scoutPlan, maverickPlan] = plans;
  const pod = config.maverick?.pod;
  const podStore = pod ? new PodStore(client, config.redisPrefix, pod.podId) : undefined;
  const podWaitNow = pod ? async () => podWait(await podStore?.status(), Date.now(), pod.coldStartSeconds) : undefined;
  const ask = new AskQueue({
    connection: client,
    prefix: config.redisPrefix,
    ask: config.ask,
    slots: {
      ...(scoutPlan ? { scout: scoutPlan.server.concurrency } : {}),
      ...(maverickPlan ? { maverick: maverickPlan.server.concurrency } : {}),
    },
    maverickMaxWaitSeconds: config.maverick?.maxWaitSeconds ?? 0,
    ...(podWaitNow ? { maverickPod: podWaitNow } : {}),
    onQueued: (target) => {
      if (target === 'maverick') for (const w of modelWorkers) w.poke?.();
    },
    now: Date.now,
  });
  const summaries = new Queue<SummaryJobData>(QUEUES.summaries, { connection: client, prefix: config.redisPrefix });
  summaries.on('error', (error) => log.debug('summaries queue error', { error: error.message }));
  const teams = createTeamService(config, client, options.catalog, {
    summaries,
    ...(podWaitNow ? { podWait: podWaitNow } : {}),
    ...(podStore ? { pod: podStore } : {}),
  });
  /** The 80 % budget warning, once a week, in the summary channel or where the answer went. */
  const afterDelivery = async (data: ReplyJobData) => {
    if (!data.outcome.ok) return;
    const due = await teams.warningDue(data.team);
    if (!due) return;
    const where =
      due.settings.summaryChannel && due.settings.summaryPlatform
        ? { platform: due.settings.summaryPlatform, channel: due.settings.summaryChannel }
        : data.channel || data.platform === 'console'
          ? { platform: data.platform, channel: data.channel ?? 'console' }
          : undefined;
    if (where && options.post) await options.post(where.platform, where.channel, { text: due.text, tone: 'warning' });
    else log.warn('budget warning with nowhere to post', { team: data.team });
  };
  const modelWorkers = plans
    .filter((p): p is EndpointPlan => p !== undefined && options.workers.includes(p.queue))
    .map((plan) =>
      startModelWorker({
        plan,
        pod,
        ask: config.ask,
        redisUrl: redis.url,
        prefix: config.redisPrefix,
        log,
        shutdownGraceMs: config.shutdownGraceMs,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      }),
    );
  const summaryWorker = options.post
    ? startSummaryWorker({
        redisUrl: redis.url,
        prefix: config.redisPrefix,
        teams,
        settings: new TeamSettingsStore(client, config.redisPrefix),
        post: options.post,
        log,
      })
    : undefined;
  const replies = startReplyWorker({
    redisUrl: redis.url,
    prefix: config.redisPrefix,
    log,
    takeHandle: (id) => ask.takeHandle(id),
    deliverOrphan: options.deliverOrphan,
    afterDelivery,
  });
  return {
    ask,
    spend: {
      summary: async (team, week) => {
        try {
          return await teams.summary(team, week);
        } catch (error) {
          if (isUserError(error)) throw error;
          throw new UserError('the ledger (Redis) is not reachable right now — try again shortly');
        }
      },
    },
    teams,
    ops: {
      redis: client,
      queues: [...ask.bullQueues, summaries],
      workers: [replies.worker, ...(summaryWorker ? [summaryWorker.worker] : []), ...modelWorkers.map((w) => w.worker)],
      // The pod check belongs to the process that runs the Maverick worker and its controller.
      ...(podStore && options.workers.includes('maverick') ? { pod: podStore } : {}),
    },
    close: async () => {
      await summaryWorker?.close();
      await summaries.close();
      await Promise.all(modelWorkers.map((w) => w.close()));
      await replies.close();
      await ask.close();
      client.disconnect();
      await redis.stop?.();
    },
  };
}
