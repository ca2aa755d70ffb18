import { fitServices } from '../src/app.ts';
import { endpointPlan } from '../src/ask/endpoints.ts';
import { readConfig } from '../src/config.ts';
import { ensureRedis } from '../src/infra/local-redis.ts';
import { createLogger } from '../src/log.ts';
import type { ModelQueue } from '../src/queue/jobs.ts';
import { startModelWorker } from './pod-worker.ts';

/**
 * One model worker as its own process (for the GPU box, or another machine),
 * against the same Redis as the bot. Runs until SIGTERM or SIGINT, then
 * finishes its in-flight jobs and exits.
 */
export async function runWorkerProcess(queue: ModelQueue): Promise<number> {
  const config = readConfig();
  const log = createLogger(config.logLevel);
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
  const { close } = startModelWorker({
    plan,
    pod: config.maverick?.pod,
    ask: config.ask,
    redisUrl: redis.url,
    prefix: config.redisPrefix,
    log,
  });
  log.info('worker started', { queue, concurrency: plan.server.concurrency });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  log.info('worker stopping', { queue });
  await close();
  return 0;
}
