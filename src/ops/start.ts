import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PodStore } from '../runpod/pod-store.ts';
import { type FitbotMetrics, jobCountsOf } from './metrics.ts';
import { type OpsServer, podCheck, redisCheck, startOpsServer, type WorkerLike, workersCheck } from './server.ts';

/** What a process shows on its ops port. */
export interface OpsParts {
  /** Absent when the process runs without Redis: /healthz then says so. */
  redis?: Redis;
  queues: Queue[];
  workers: WorkerLike[];
  pod?: PodStore;
  /** Only one kind of process reports queue depth, so the series are not counted twice. */
  countQueues: boolean;
}

/**
 * Start /healthz, /metrics and the dashboard on OPS_PORT for this process. A
 * port already taken is logged, not fatal: the bot or worker keeps working.
 */
export async function startOps(
  config: Readonly<Config>,
  parts: OpsParts,
  metrics: FitbotMetrics,
  log: Logger,
): Promise<OpsServer | undefined> {
  const { redis, pod } = parts;
  if (parts.countQueues) metrics.setQueueCounts(jobCountsOf(parts.queues));
  if (pod) metrics.setPodState(async () => (await pod.status())?.state);
  const podConfig = config.maverick?.pod;
  try {
    const server = await startOpsServer({
      ...config.ops,
      registry: metrics.registry,
      checks: {
        redis: redis ? redisCheck(redis) : async () => ({ ok: false, error: 'Redis is not available' }),
        // The Maverick worker on a pod runs only while the pod is ready.
        workers: workersCheck(parts.workers, podConfig ? ['maverick'] : []),
        ...(pod && podConfig
          ? { pod: podCheck(() => pod.status(), { stuckAfterMs: podConfig.healthTimeoutMs + 2 * podConfig.pollMs }) }
          : {}),
      },
      queues: parts.queues,
      log,
    });
    log.info('ops endpoints up', { url: server.url, dashboard: config.ops.password ? 'on' : 'off' });
    return server;
  } catch (error) {
    log.error('ops endpoints could not start; running without them', { port: config.ops.port, error });
    return undefined;
  }
}
