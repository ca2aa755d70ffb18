import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EndpointPlan } from '../src/ask/endpoints.ts';
import type { AskConfig, PodConfig } from '../src/config.ts';
import type { Logger } from '../src/log.ts';
import type { FitbotMetrics } from '../src/ops/metrics.ts';
import type { WorkerLike } from '../src/ops/server.ts';
import type { AskJobData } from '../src/queue/jobs.ts';
import { pipelinedConnection } from '../src/queue/redis.ts';
import { createRunPodApi } from '../src/runpod/api.ts';
import { PodController } from '../src/runpod/controller.ts';
import { PodStore } from '../src/runpod/pod-store.ts';
import { createPolicy } from '../src/runpod/policies.ts';
import { parseWindows } from '../src/runpod/schedule.ts';
import { RedisLedger } from '../src/spend/redis-ledger.ts';
import { startAskWorker } from './ask-worker.ts';

export interface PodWorkerOptions {
  plan: EndpointPlan;
  pod: PodConfig;
  ask: AskConfig;
  redisUrl: string;
  prefix: string;
  log: Logger;
  metrics?: FitbotMetrics;
  shutdownGraceMs?: number;
}

/** A running model worker: its BullMQ worker (for /healthz), its pod's state if it has one, and how to stop it. */
export interface ModelWorker {
  worker: WorkerLike;
  pod?: PodStore;
  /** A job was just queued: the pod controller looks at once instead of at its next poll. */
  poke?: () => void;
  close: () => Promise<void>;
}

/** A model queue's worker: on a pod when Maverick has one configured, else a plain ask worker. */
export function startModelWorker(options: Omit<PodWorkerOptions, 'pod'> & { pod: PodConfig | undefined }): ModelWorker {
  const { pod, ...rest } = options;
  return pod && options.plan.queue === 'maverick' ? startPodWorker({ ...rest, pod }) : startAskWorker(rest);
}

/**
 * The Maverick worker on a RunPod pod: the ask worker, paused until the pod is
 * ready, and the controller that starts, stops and accounts for the pod.
 */
export function startPodWorker(options: PodWorkerOptions): ModelWorker {
  const { plan, pod, prefix, log } = options;
  if (plan.pricing.provider !== 'runpod') throw new Error('a pod worker needs RunPod pricing');
  const redis: Redis = pipelinedConnection(options.redisUrl);
  redis.on('error', (error) => log.debug('pod controller redis error', { error: error.message }));
  const store = new PodStore(redis, prefix, pod.podId);
  const ask = startAskWorker({
    ...options,
    pod: {
      current: async () => {
        const status = await store.status();
        return status?.state === 'ready' && status.runId && status.runStartedAtMs !== undefined
          ? { runId: status.runId, startedAtMs: status.runStartedAtMs, baseUrl: status.baseUrl }
          : undefined;
      },
    },
  });
  const queue = new Queue<AskJobData>(plan.queue, { connection: redis, prefix });
  queue.on('error', (error) => log.debug('pod controller queue error', { error: error.message }));
  const jobs = async (states: ('waiting' | 'prioritized' | 'delayed' | 'active')[]) =>
    (await queue.getJobs(states)).filter((job) => job.id !== undefined);
  const controller = new PodController({
    pod,
    api: createRunPodApi({ apiKey: pod.apiKey, ...(pod.apiUrl ? { baseUrl: pod.apiUrl } : {}) }),
    store,
    ledger: new RedisLedger(redis, prefix),
    queue: {
      waiting: async () =>
        (await jobs(['waiting', 'prioritized', 'delayed']))
          .map((job) => ({ id: job.id as string, atMs: job.data.enqueuedAtMs }))
          .sort((a, b) => a.atMs - b.atMs),
      running: async () =>
        (await jobs(['active'])).map((job) => ({
          id: job.id as string,
          atMs: job.data.enqueuedAtMs,
          startedAtMs: job.processedOn ?? Date.now(),
        })),
      rejectWaiting: ask.rejectWaiting,
    },
    policy: createPolicy(pod.policy, {
      coldStartSeconds: pod.coldStartSeconds,
      waitTargetSeconds: pod.waitTargetSeconds,
      windows: parseWindows(pod.windows),
      timeZone: pod.timeZone,
      slots: plan.server.concurrency,
    }),
    label: plan.label,
    pricePerGpuHourUsd: plan.pricing.pricePerGpuHourUsd,
    baseUrl: plan.server.baseURL,
    setAccepting: (on) => (on ? ask.worker.resume() : ask.worker.pause()),
    log,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  // The policy's idle clock starts when an answer ends: let the controller see it at once.
  ask.worker.on('completed', () => controller.poke());
  ask.worker.on('failed', () => controller.poke());
  void controller.start().catch((error) => log.error('pod controller failed to start', { error }));
  return {
    worker: ask.worker,
    pod: store,
    poke: () => controller.poke(),
    close: async () => {
      await controller.close({ stopPod: true, drainMs: options.shutdownGraceMs ?? 25_000 });
      await ask.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
