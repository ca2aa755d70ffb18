import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config.ts';
import { BUILTIN_CATALOG } from '../src/fit/catalog/index.ts';
import { quantile } from '../src/fit/speed-model.ts';
import { createLogger } from '../src/log.ts';
import { startPipeline } from '../src/pipeline.ts';
import { askJobId } from '../src/queue/jobs.ts';
import { deleteKeys } from '../test/redis-helpers.ts';

export interface PipelineFigures {
  name: string;
  jobs: number;
  jobsPerSec: number;
  startP50Ms: number;
  startP99Ms: number;
}

/** One system under test: how to run job i and wait for it, and which queue holds its BullMQ job. */
interface Runner {
  name: string;
  queue: Queue;
  jobId: (i: number) => string;
  /** Enqueue job i; resolves once enqueued, with `done` that resolves when it has finished end to end. */
  run: (i: number) => Promise<{ done: Promise<void> }>;
  stop: () => Promise<void>;
}

/** A TypeScript script as its own process; with `readLine`, resolves with the first line it prints. */
async function startProcess(script: string, args: string[], env: Record<string, string> = {}, readLine = false) {
  const path = new URL(script, import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    stdio: ['ignore', readLine ? 'pipe' : 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  const line = readLine && child.stdout ? ((await once(child.stdout, 'data')) as [Buffer])[0].toString().trim() : '';
  return { line, stop: () => child.kill('SIGTERM') };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Enqueue→start latency, one job at a time (each waits for the previous to
 * finish), from BullMQ's own timestamps; then throughput with `jobs` enqueued
 * back to back until all have finished.
 */
async function measure(runner: Runner, latencyJobs: number, jobs: number): Promise<PipelineFigures> {
  await until(async () => (await runner.queue.getWorkersCount()) > 0);
  for (let i = 0; i < latencyJobs; i++) {
    const { done } = await runner.run(i);
    await done;
  }
  const timed = [];
  for (let i = 0; i < latencyJobs; i++) timed.push(await runner.queue.getJob(runner.jobId(i)));
  const latencies = timed.flatMap((j) => (j?.processedOn ? [j.processedOn - j.timestamp] : []));
  const finished: Promise<void>[] = [];
  const start = performance.now();
  for (let i = latencyJobs; i < latencyJobs + jobs; i++) finished.push((await runner.run(i)).done);
  await Promise.all(finished);
  const ms = performance.now() - start;
  await runner.stop();
  return {
    name: runner.name,
    jobs,
    jobsPerSec: (jobs * 1000) / ms,
    startP50Ms: quantile(latencies, 0.5),
    startP99Ms: quantile(latencies, 0.99),
  };
}

/** Raw BullMQ: no-op jobs added here, run by a worker in another process — the baseline. */
async function rawRunner(redisUrl: string, prefix: string, concurrency: number): Promise<Runner> {
  const worker = await startProcess('./raw-worker.ts', [redisUrl, prefix, String(concurrency)]);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents('raw', { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix });
  await events.waitUntilReady();
  const queue = new Queue('raw', { connection, prefix });
  return {
    name: 'raw BullMQ no-op jobs (baseline)',
    queue,
    jobId: (i) => `raw-${i}`,
    run: async (i) => {
      const job = await queue.add('noop', { i }, { jobId: `raw-${i}` });
      return { done: job.waitUntilFinished(events).then(() => undefined) };
    },
    stop: async () => {
      worker.stop();
      await events.close();
      await queue.close();
      connection.disconnect();
    },
  };
}

/**
 * The /ask pipeline: the bot's side here (submit, replies worker, delivery), the
 * Scout worker in another process (`fitbot worker scout`, as on a GPU box), the
 * instant fake model server in a third.
 */
async function askRunner(redisUrl: string, prefix: string, concurrency: number): Promise<Runner> {
  const model = await startProcess('../test/fakes/openai-server-main.ts', [], {}, true);
  const env = {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    SCOUT_BASE_URL: model.line,
    SCOUT_CONCURRENCY: String(concurrency),
    // The benchmark is one user asking thousands of times: lift the per-user rate limit; the worker's ops port is not needed.
    ASK_USER_RATE_LIMIT: '100000',
    OPS_PORT: '0',
  };
  const worker = await startProcess('../bin/fitbot.js', ['worker', 'scout'], { ...env, LOG_LEVEL: 'warn' });
  const pipeline = await startPipeline({
    config: parseConfig({ ...env, LOG_LEVEL: 'error' }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: [],
    deliverOrphan: async () => {},
  });
  const ask = pipeline.ask;
  if (!ask) throw new Error(pipeline.unavailable ?? 'no pipeline');
  const probe = new Redis(redisUrl);
  const queue = new Queue('scout', { connection: probe, prefix });
  return {
    name: '/ask pipeline (queue → worker → fake model → ledger → reply)',
    queue,
    jobId: (i) => askJobId('console', `bench-${i}`),
    run: async (i) => {
      let delivered: () => void = () => {};
      const done = new Promise<void>((r) => {
        delivered = r;
      });
      const request = {
        team: 'bench',
        platform: 'console' as const,
        interactionId: `bench-${i}`,
        userId: `u${i % 5}`,
        userName: 'bench',
        prompt: 'what is 2+2',
        target: 'scout' as const,
        routeReason: 'bench',
      };
      await ask.submit(request, async () => delivered());
      return { done };
    },
    stop: async () => {
      worker.stop();
      model.stop();
      await queue.close();
      probe.disconnect();
      await pipeline.close();
    },
  };
}

export async function benchPipeline(redisUrl: string, latencyJobs = 200, jobs = 1000, concurrency = 8) {
  const prefix = `bench-${process.pid}`;
  const cleanup = new Redis(redisUrl);
  try {
    const raw = await measure(await rawRunner(redisUrl, prefix, concurrency), latencyJobs, jobs);
    const pipeline = await measure(await askRunner(redisUrl, prefix, concurrency), latencyJobs, jobs);
    const row = (f: PipelineFigures) =>
      `| ${f.name} | ${f.jobs} | ${f.jobsPerSec.toFixed(0)} | ${(f.jobsPerSec / raw.jobsPerSec).toFixed(2)} | ${f.startP50Ms.toFixed(1)} | ${f.startP99Ms.toFixed(1)} |`;
    const table = [
      `Workers in their own processes, concurrency ${concurrency} (the Scout worker's slots). Throughput: ${jobs} jobs`,
      `enqueued back to back until all finished. Enqueue→start: ${latencyJobs} jobs one at a time, BullMQ's own timestamps (1 ms resolution).`,
      '',
      '| run | jobs | jobs/s | vs raw | enqueue→start p50 ms | p99 ms |',
      '|---|---|---|---|---|---|',
      row(raw),
      row(pipeline),
    ].join('\n');
    return { raw, pipeline, table };
  } finally {
    await deleteKeys(cleanup, prefix);
    cleanup.disconnect();
  }
}
