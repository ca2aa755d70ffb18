import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * fitbot's Prometheus metrics: one Registry per process, every name prefixed
 * `fitbot_`, and one small method per thing the code observes. Label values are
 * bounded: queues, platforms, directions and outcomes are fixed sets; teams and
 * models keep the first `maxTeams`/`maxModels` values seen and fold the rest
 * into `other`. Never pass user ids or prompt text as labels.
 */

export const METRIC_PREFIX = 'fitbot_';

/** How a job attempt ended: answered, failed for good, or failed and to be retried. */
export type JobOutcome = 'completed' | 'failed' | 'retried';
export type TokenDirection = 'prompt' | 'completion';
export type AckPlatform = 'discord' | 'slack' | 'console';

/** BullMQ's job states (`Queue.getJobCounts()` keys); anything else is dropped. */
export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'paused',
  'completed',
  'failed',
] as const;

/** Pod states as PodStore.status() reports them, plus `unknown` (no status written yet). */
export const POD_STATES = ['stopped', 'booting', 'ready', 'stopping', 'unknown'] as const;

/** Job counts per queue, then per state: `{ scout: { waiting: 3, active: 1 } }`. */
export type QueueJobCounts = Record<string, Record<string, number>>;

/** Anything with a name and BullMQ's `getJobCounts()`: a bullmq `Queue` fits. */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(): Promise<Record<string, number>>;
}

export interface MetricsOptions {
  /** Job counts, read on every scrape (see {@link jobCountsOf}). */
  queueCounts?: () => Promise<QueueJobCounts>;
  /** The pod's current state (PodStore.status()?.state), read on every scrape; undefined → `unknown`. */
  podState?: () => Promise<string | undefined>;
  /** A scrape callback that takes longer is abandoned and its series left out, ms. Default 1000. */
  collectTimeoutMs?: number;
  /** Distinct team label values kept before the rest become `other`. Default 100. */
  maxTeams?: number;
  /** Distinct model label values kept before the rest become `other`. Default 20. */
  maxModels?: number;
  /** Node process metrics (CPU, memory, event loop lag, GC), prefixed `fitbot_`. Default true. */
  defaultMetrics?: boolean;
}

export interface FitbotMetrics {
  readonly registry: Registry;
  /** Time a job waited in its queue before a worker took it (first attempt only), s. */
  observeQueueWait(queue: string, seconds: number): void;
  /** One job attempt's processing time and how it ended, s. */
  observeJob(queue: string, outcome: JobOutcome, seconds: number): void;
  /** Tokens a model read (`prompt`) or wrote (`completion`) for a job. */
  addTokens(queue: string, direction: TokenDirection, count: number): void;
  /** Spend charged to a team on a model (once per ledger entry actually written), USD. */
  addSpend(team: string, model: string, usd: number): void;
  /** Pod seconds RunPod bills (a pod run, when it is settled), s. */
  addPodBilledSeconds(seconds: number): void;
  /** From receiving an interaction to acknowledging it on its platform (Discord defer, Slack ack), s. */
  observeAck(platform: AckPlatform, seconds: number): void;
  /** Set or replace the job-count source read on each scrape (when the queues exist after the metrics). */
  setQueueCounts(source: (() => Promise<QueueJobCounts>) | undefined): void;
  /** Set or replace the pod-state source read on each scrape. */
  setPodState(source: (() => Promise<string | undefined>) | undefined): void;
}

/** A job-count source for {@link MetricsOptions.queueCounts}: every queue's `getJobCounts()`. */
export function jobCountsOf(queues: readonly CountableQueue[]): () => Promise<QueueJobCounts> {
  return async () =>
    Object.fromEntries(await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCounts()])));
}

/** Queue wait: sub-second when a slot is free, up to a Maverick cold start (≈10 min) and beyond. */
const WAIT_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800];
/** A streamed answer: a second for a short Scout reply, minutes for a long Maverick one. */
const JOB_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Both platforms drop an interaction not acknowledged within 3 s (Discord, Slack docs). */
const ACK_BUCKETS_S = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5];

const LABEL_MAX_CHARS = 64;

/** Keeps the first `max` distinct values of a label; later ones become `other`. */
function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (raw) => {
    const value = raw.slice(0, LABEL_MAX_CHARS) || 'none';
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const usable = (n: number) => Number.isFinite(n) && n >= 0;

/** A Registry with fitbot's metrics and the methods that record them. */
export function createMetrics(options: MetricsOptions = {}): FitbotMetrics {
  const registry = new Registry();
  const registers = [registry];
  const timeoutMs = options.collectTimeoutMs ?? 1000;
  const team = boundedLabel(options.maxTeams ?? 100);
  const model = boundedLabel(options.maxModels ?? 20);
  const queueName = boundedLabel(20);
  let queueCounts = options.queueCounts;
  let podState = options.podState;

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  /** Scrape-time reads in progress: the error counter waits for them, so a scrape reports its own errors. */
  const inflight = new Set<Promise<void>>();
  const collectErrors = new Counter({
    name: `${METRIC_PREFIX}metrics_collect_errors_total`,
    help: 'Scrape-time sources (queue counts, pod state) that failed or timed out.',
    labelNames: ['source'] as const,
    // Registered after the gauges below: a registry collects in registration order, so these reads have started.
    registers: [],
    async collect() {
      await Promise.all([...inflight]);
    },
  });
  const track = async (source: string, read: () => Promise<void>) => {
    const done = read().catch(() => {
      collectErrors.inc({ source });
    });
    inflight.add(done);
    try {
      await done;
    } finally {
      inflight.delete(done);
    }
  };

  new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs per BullMQ queue and state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      const source = queueCounts;
      if (!source) return;
      await track('queue_counts', async () => {
        const counts = await withTimeout(source(), timeoutMs);
        for (const [queue, states] of Object.entries(counts)) {
          for (const state of JOB_STATES) {
            const n = states[state];
            if (n !== undefined && usable(n)) this.set({ queue: queueName(queue), state }, n);
          }
        }
      });
    },
  });

  new Gauge({
    name: `${METRIC_PREFIX}pod_state`,
    help: "The Maverick pod's state: 1 for the current one, 0 for the others.",
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      const source = podState;
      if (!source) return;
      await track('pod_state', async () => {
        const raw = (await withTimeout(source(), timeoutMs)) ?? 'unknown';
        const current = (POD_STATES as readonly string[]).includes(raw) ? raw : 'unknown';
        for (const state of POD_STATES) this.set({ state }, state === current ? 1 : 0);
      });
    },
  });

  registry.registerMetric(collectErrors);

  const queueWait = new Histogram({
    name: `${METRIC_PREFIX}queue_wait_seconds`,
    help: 'Time from enqueue to a worker taking the job (first attempt), s.',
    labelNames: ['queue'] as const,
    buckets: WAIT_BUCKETS_S,
    registers,
  });
  const jobDuration = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Processing time of one job attempt by outcome (completed, failed, retried), s.',
    labelNames: ['queue', 'outcome'] as const,
    buckets: JOB_BUCKETS_S,
    registers,
  });
  const tokens = new Counter({
    name: `${METRIC_PREFIX}tokens_total`,
    help: 'Tokens read (prompt) and written (completion) by the models.',
    labelNames: ['queue', 'direction'] as const,
    registers,
  });
  const spend = new Counter({
    name: `${METRIC_PREFIX}spend_usd_total`,
    help: 'Spend charged to the ledger per team and model, USD.',
    labelNames: ['team', 'model'] as const,
    registers,
  });
  const podBilled = new Counter({
    name: `${METRIC_PREFIX}pod_billed_seconds_total`,
    help: 'Pod seconds RunPod bills, counted when a pod run is settled, s.',
    registers,
  });
  const ack = new Histogram({
    name: `${METRIC_PREFIX}ack_latency_seconds`,
    help: 'From receiving an interaction to acknowledging it on its platform, s.',
    labelNames: ['platform'] as const,
    buckets: ACK_BUCKETS_S,
    registers,
  });

  return {
    registry,
    observeQueueWait: (queue, seconds) => {
      if (usable(seconds)) queueWait.observe({ queue: queueName(queue) }, seconds);
    },
    observeJob: (queue, outcome, seconds) => {
      if (usable(seconds)) jobDuration.observe({ queue: queueName(queue), outcome }, seconds);
    },
    addTokens: (queue, direction, count) => {
      if (usable(count) && count > 0) tokens.inc({ queue: queueName(queue), direction }, count);
    },
    addSpend: (teamId, modelName, usd) => {
      if (usable(usd) && usd > 0) spend.inc({ team: team(teamId), model: model(modelName) }, usd);
    },
    addPodBilledSeconds: (seconds) => {
      if (usable(seconds) && seconds > 0) podBilled.inc(seconds);
    },
    observeAck: (platform, seconds) => {
      if (usable(seconds)) ack.observe({ platform }, seconds);
    },
    setQueueCounts: (source) => {
      queueCounts = source;
    },
    setPodState: (source) => {
      podState = source;
    },
  };
}
