import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type AnswerDeps, settleAnswer, settleFailure } from '../src/ask/answer.ts';
import type { EndpointPlan } from '../src/ask/endpoints.ts';
import type { AskConfig } from '../src/config.ts';
import { createModelClient, ModelServerError, streamChat } from '../src/llm/client.ts';
import type { Logger } from '../src/log.ts';
import type { FitbotMetrics } from '../src/ops/metrics.ts';
import { type AskJobData, durationKey, QUEUES, type ReplyJobData, replyJobId } from '../src/queue/jobs.ts';
import { pipelinedConnection, workerConnection } from '../src/queue/redis.ts';
import { RedisLedger, SETTLED_WITH_RUN_BASIS } from '../src/spend/redis-ledger.ts';

/** A worker whose server runs on a pod: which run a job belongs to, and where the server is now. */
export interface PodLink {
  /** The run being billed while the pod is ready. */
  current(): Promise<{ runId: string; startedAtMs: number; baseUrl: string } | undefined>;
}

/**
 * The reply of an answer that finished after its pod run was settled: the
 * settlement paid for its seconds, so the receipt says that instead of
 * estimating a boot and idle share.
 */
function settledWithRun(reply: ReplyJobData): ReplyJobData {
  if (!reply.outcome.ok) return reply;
  const { idleShareEstUsd: _settled, ...receipt } = reply.outcome.receipt;
  return { ...reply, outcome: { ...reply.outcome, receipt: { ...receipt, costBasis: SETTLED_WITH_RUN_BASIS } } };
}

/** A job taken while the pod is not ready goes back for this long, ms. */
const POD_RETRY_MS = 5000;

export interface AskWorkerOptions {
  plan: EndpointPlan;
  /** Queue wait, job durations, tokens and spend for /metrics. */
  metrics?: FitbotMetrics;
  /** On close, running answers get this long to finish, ms (default 25 000). */
  shutdownGraceMs?: number;
  /** Set for Maverick on a RunPod pod: the worker starts paused and the pod controller opens it. */
  pod?: PodLink;
  ask: AskConfig;
  redisUrl: string;
  prefix: string;
  log: Logger;
  now?: () => number;
}

/**
 * A BullMQ worker for one model queue. It streams the prompt to the model
 * server, charges the ledger once per job, and hands the answer (or a clear
 * error once retries are spent) to the replies queue. BullMQ owns retries:
 * a 4xx other than 429 is not retried.
 */
export function startAskWorker(options: AskWorkerOptions): {
  worker: Worker;
  rejectWaiting: (message: string) => Promise<number>;
  close: () => Promise<void>;
} {
  const { plan, ask, prefix, log } = options;
  const now = options.now ?? Date.now;
  // BullMQ does not close connections it is given: keep them to close on the way out.
  const connections = [pipelinedConnection(options.redisUrl), workerConnection(options.redisUrl)];
  const [connection, workerConn] = connections as [Redis, Redis];
  const replies = new Queue<ReplyJobData>(QUEUES.replies, { connection, prefix });
  replies.on('error', (error) => log.debug('replies queue error', { queue: plan.queue, error: error.message }));
  const ledger = new RedisLedger(connection, prefix);
  const clients = new Map<string, ReturnType<typeof createModelClient>>();
  // A recreated pod has a new id, hence a new proxy URL: one client per URL.
  const clientFor = (baseURL: string) => {
    let client = clients.get(baseURL);
    if (!client) {
      client = createModelClient({ ...plan.server, baseURL, timeoutMs: ask.timeoutMs });
      clients.set(baseURL, client);
    }
    return client;
  };
  const deps: AnswerDeps = { label: plan.label, pricing: plan.pricing, ledger, now };

  const deliver = (reply: ReplyJobData) =>
    replies.add('reply', reply, {
      jobId: replyJobId(reply.askJobId),
      // The answer is paid for: if its delivery fails (the platform down for a while), try again, 2 to 16 s apart.
      // A retry has no reply handle left (the first try took it) and posts to the channel.
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 86_400 },
    });

  const { metrics } = options;
  const processor = async (job: Job<AskJobData>, token?: string) => {
    const jobId = job.id ?? '';
    // Every line about this job carries its id, queue and team.
    const jobLog = log.child({ jobId, queue: plan.queue, team: job.data.team });
    if (job.attemptsMade === 0 && job.processedOn)
      metrics?.observeQueueWait(plan.queue, (job.processedOn - job.timestamp) / 1000);
    // A job retried or recovered after its answer was handed over is not run (or charged) again.
    const rerun = job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    if (rerun && (await replies.getJob(replyJobId(jobId)))) return 'already-answered';
    const run = await options.pod?.current();
    if (options.pod && !run) {
      // The pod stopped (or is stopping) between taking the job and starting it: wait for the next
      // run without spending a try, rather than answering outside any run's accounting.
      await job.moveToDelayed(now() + POD_RETRY_MS, token);
      throw new DelayedError();
    }
    const startedAtMs = now();
    try {
      const result = await streamChat(clientFor(run?.baseUrl ?? plan.server.baseURL), {
        model: plan.server.model,
        prompt: job.data.prompt,
        maxTokens: ask.maxTokens,
        now,
      });
      const endedAtMs = now();
      const { reply, charged } = await settleAnswer(
        jobId,
        job.data,
        {
          text: result.text,
          finishReason: result.finishReason,
          promptTokens: result.usage?.promptTokens ?? 0,
          completionTokens: result.usage?.completionTokens ?? 0,
          ...(result.timings?.predictedPerSecond ? { tokensPerSec: result.timings.predictedPerSecond } : {}),
        },
        { startedAtMs, endedAtMs, ...(run ? { podRun: { runId: run.runId, startedAtMs: run.startedAtMs } } : {}) },
        deps,
      );
      await deliver(charged.settledWithRun ? settledWithRun(reply) : reply);
      // Only the ETA reads it: losing one (the connection closing) is harmless.
      connection.set(durationKey(prefix, plan.queue), String(endedAtMs - startedAtMs), 'EX', 86_400).catch(() => {});
      metrics?.observeJob(plan.queue, 'completed', (endedAtMs - startedAtMs) / 1000);
      if (charged.written && reply.outcome.ok) {
        metrics?.addTokens(plan.queue, 'prompt', reply.outcome.receipt.promptTokens);
        metrics?.addTokens(plan.queue, 'completion', reply.outcome.receipt.completionTokens);
        metrics?.addSpend(job.data.team, plan.label.model, charged.costUsd);
      }
      jobLog.info('ask answered', { attempt: job.attemptsMade + 1 });
      return 'answered';
    } catch (error) {
      const retryable = error instanceof ModelServerError ? error.retryable : true;
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      jobLog.warn('ask attempt failed', {
        attempt: job.attemptsMade + 1,
        retryable,
        error: error instanceof Error ? error.message : String(error),
      });
      metrics?.observeJob(plan.queue, retryable && !lastTry ? 'retried' : 'failed', (now() - startedAtMs) / 1000);
      if (retryable && !lastTry) throw error;
      const why =
        error instanceof ModelServerError && error.status !== undefined
          ? `the model server answered HTTP ${error.status}`
          : error instanceof ModelServerError
            ? `the model server failed (${error.kind})`
            : 'an internal error';
      const tries = job.attemptsMade + 1;
      await deliver(
        await settleFailure(
          jobId,
          job.data,
          `${plan.label.model} could not answer: ${why}, after ${tries} ${tries === 1 ? 'try' : 'tries'}.`,
          deps,
        ),
      );
      throw new UnrecoverableError(why);
    }
  };

  const worker = new Worker<AskJobData>(plan.queue, processor, {
    connection: workerConn,
    prefix,
    concurrency: plan.server.concurrency,
    lockDuration: ask.lockMs,
    stalledInterval: Math.max(500, Math.floor(ask.lockMs / 2)),
    maxStalledCount: 2,
    autorun: options.pod === undefined,
  });
  worker.on('error', (error) => log.error('worker error', { queue: plan.queue, error }));
  // BullMQ fails a job that stalled too often without calling the processor: answer it here, once.
  worker.on('failed', (job) => {
    if (!job?.id || !job.finishedOn) return;
    const jobId = job.id;
    void (async () => {
      if (await replies.getJob(replyJobId(jobId))) return;
      const reply = await settleFailure(
        jobId,
        job.data,
        `${plan.label.model} could not answer: the worker stopped mid-answer too often.`,
        deps,
      );
      await deliver(reply);
    })().catch((error) => log.error('could not settle a failed job', { jobId, queue: plan.queue, error }));
  });
  /** Answer waiting jobs with an error and drop them (the pod's spend guard); returns how many. */
  const rejectWaiting = async (message: string): Promise<number> => {
    const queue = new Queue<AskJobData>(plan.queue, { connection, prefix });
    queue.on('error', () => {}); // the calls below reject on their own
    try {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
      let rejected = 0;
      for (const job of jobs) {
        if (!job.id) continue;
        // Only a job removed here is answered here: one a worker took meanwhile runs (and is charged) as usual.
        const removed = await job.remove().then(
          () => true,
          () => false,
        );
        if (!removed) continue;
        await deliver(await settleFailure(job.id, job.data, message, deps));
        rejected++;
      }
      return rejected;
    } finally {
      await queue.close();
    }
  };

  return {
    worker,
    rejectWaiting,
    /**
     * Stop taking jobs and let the running ones finish for up to the grace
     * period; what is still running then is handed back (its lock lapses and
     * another worker takes it up).
     */
    close: async () => {
      const grace = options.shutdownGraceMs ?? 25_000;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        worker.pause().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), grace);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) log.warn('shutting down with answers in flight; they go back to the queue', { queue: plan.queue });
      await worker.close(!finished);
      await replies.close();
      for (const c of connections) c.disconnect();
    },
  };
}
