import { Queue } from 'bullmq';
import { fitServices } from '../src/app.ts';
import { endpointPlan } from '../src/ask/endpoints.ts';
import { readConfig } from '../src/config.ts';
import { ensureRedis } from '../src/infra/local-redis.ts';
import { createLogger } from '../src/log.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import { startOps } from '../src/ops/start.ts';
import type { ModelQueue } from '../src/queue/jobs.ts';
import { pipelinedConnection } from '../src/queue/redis.ts';
import { startModelWorker } from './pod-worker.ts';

/**
 * One model worker as its own process (for the GPU box, or another machine),
 * against the same Redis as the bot, with its own /healthz and /metrics on
 * OPS_PORT. Runs until SIGTERM or SIGINT, then lets its in-flight jobs finish
 * (or hands them back after SHUTDOWN_GRACE_MS) and exits.
 */
export async function runWorkerProcess(queue: ModelQueue): Promise<number> {
  const config = readConfig();
  const log = createLogger(config.logLevel).child({ worker: queue });
  const plan = endpointPlan(queue, config, fitServices(config, config.catalogFile).catalog);
  if (!plan) {
    process.stderr.write(
      `fitbot worker ${queue}: set ${queue === 'scout' ? 'SCOUT_BASE_URL' : 'MAVERICK_BASE_URL'} first\n`,
    );
    return 78;
  }
  const redis = await ensureRedis(config.redisUrl, { noStart: true }).catch((error: Error) => error);
  if (redis instanceof Error) {
    process.stderr.write(`fitbot worker ${queue}: ${redis.message}\n`);
    return 69; // EX_UNAVAILABLE
  }
  const metrics = createMetrics();
  const worker = startModelWorker({
    plan,
    pod: config.maverick?.pod,
    ask: config.ask,
    redisUrl: redis.url,
    prefix: config.redisPrefix,
    log,
    metrics,
    shutdownGraceMs: config.shutdownGraceMs,
  });
  const client = pipelinedConnection(redis.url);
  client.on('error', (error) => log.debug('ops redis error', { error: error.message }));
  const dashboardQueue = new Queue(queue, { connection: client, prefix: config.redisPrefix });
  dashboardQueue.on('error', () => {});
  const ops = await startOps(
    config,
    {
      redis: client,
      queues: [dashboardQueue],
      workers: [worker.worker],
      ...(worker.pod ? { pod: worker.pod } : {}),
      countQueues: false,
    },
    metrics,
    log,
  );
  log.info('worker started', { queue, concurrency: plan.server.concurrency });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info('worker stopping', { queue });
  await worker.close();
  await ops?.close();
  await dashboardQueue.close();
  client.disconnect();
  return 0;
}
