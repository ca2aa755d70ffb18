import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startAskWorker } from '../workers/ask-worker.ts';
import { startReplyWorker } from '../workers/replies.ts';
import { type EndpointPlan, endpointPlan } from './ask/endpoints.ts';
import type { SpendPort } from './command/command.ts';
import type { Config } from './config.ts';
import type { Catalog } from './fit/catalog/types.ts';
import { ensureRedis, type LocalRedis, REDIS_INSTALL_HINT } from './infra/local-redis.ts';
import type { Logger } from './log.ts';
import { AskQueue } from './queue/ask-queue.ts';
import type { ModelQueue, ReplyJobData } from './queue/jobs.ts';
import { clientConnection } from './queue/redis.ts';
import { RedisLedger } from './spend/redis-ledger.ts';

export interface Pipeline {
  ask?: AskQueue;
  spend?: SpendPort;
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
}

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
    return { unavailable: `/ask and /spend need Redis, which does not answer at ${redis.url}`, close: async () => {} };
  }

  const plans = (['scout', 'maverick'] as const).map((q) => endpointPlan(q, config, options.catalog));
  const [scoutPlan, maverickPlan] = plans;
  const ask = new AskQueue({
    connection: client,
    prefix: config.redisPrefix,
    ask: config.ask,
    slots: {
      ...(scoutPlan ? { scout: scoutPlan.server.concurrency } : {}),
      ...(maverickPlan ? { maverick: maverickPlan.server.concurrency } : {}),
    },
    maverickMaxWaitSeconds: config.maverick?.maxWaitSeconds ?? 0,
    now: Date.now,
  });
  const ledger = new RedisLedger(client, config.redisPrefix);
  const modelWorkers = plans
    .filter((p): p is EndpointPlan => p !== undefined && options.workers.includes(p.queue))
    .map((plan) => startAskWorker({ plan, ask: config.ask, redisUrl: redis.url, prefix: config.redisPrefix, log }));
  const replies = startReplyWorker({
    redisUrl: redis.url,
    prefix: config.redisPrefix,
    log,
    takeHandle: (id) => ask.takeHandle(id),
    deliverOrphan: options.deliverOrphan,
  });
  return {
    ask,
    spend: { entries: (team, fromMs, toMs) => ledger.between(team, fromMs, toMs) },
    close: async () => {
      await Promise.all(modelWorkers.map((w) => w.close()));
      await replies.close();
      await ask.close();
      client.disconnect();
      await redis.stop?.();
    },
  };
}
