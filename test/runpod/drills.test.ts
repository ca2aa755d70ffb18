import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { FollowUp } from '../../src/command/command.ts';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { UserError } from '../../src/errors.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import type { ModelQueue } from '../../src/queue/jobs.ts';
import { PodStore } from '../../src/runpod/pod-store.ts';
import { spendTotals } from '../../src/spend/ledger-entry.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { startFakeOpenAI } from '../fakes/openai-server.ts';
import { FAKE_RUNPOD_KEY, startFakeRunPod } from '../fakes/runpod-server.ts';
import { deferred, deleteKeys, until } from '../redis-helpers.ts';

const PREFIX = `test-pod-drills-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
const POD_ID = 'poddrill1';

const redis = new Redis(REDIS_URL);
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  for (const name of ['killed', 'capped']) await deleteKeys(redis, `${PREFIX}-${name}`);
  redis.disconnect();
});

async function world(name: string, loadMs: number, extra: Record<string, string> = {}) {
  const runpod = await startFakeRunPod({
    pods: [{ id: POD_ID, gpuCount: 2, gpuTypeId: 'NVIDIA H100 80GB HBM3', costPerHr: 6.58, networkVolumeId: 'v' }],
    runtimeDelayMs: 50,
  });
  const model = await startFakeOpenAI();
  model.setHealthy(false);
  runpod.onChange((_id, status) => {
    model.setHealthy(false);
    if (status === 'RUNNING') setTimeout(() => model.setHealthy(true), loadMs);
  });
  cleanup.push(
    () => runpod.close(),
    () => model.close(),
  );
  const env: Record<string, string> = {
    REDIS_URL,
    REDIS_PREFIX: `${PREFIX}-${name}`,
    LOG_LEVEL: 'error',
    MAVERICK_BASE_URL: model.url,
    MAVERICK_PRICE_PER_GPU_HOUR_USD: '3.29',
    RUNPOD_API_KEY: FAKE_RUNPOD_KEY,
    RUNPOD_POD_ID: POD_ID,
    RUNPOD_API_URL: runpod.url,
    MAVERICK_POLICY: 'idle-stop-0.01m',
    MAVERICK_POD_POLL_MS: '50',
    ASK_BACKOFF_MS: '20',
    WORKER_LOCK_MS: '2000',
    OPS_PORT: '0',
    ...extra,
  };
  const pipeline = async (workers: ModelQueue[], orphans?: (text: string) => void): Promise<Pipeline> => {
    const started = await startPipeline({
      config: parseConfig(env),
      catalog: BUILTIN_CATALOG,
      log: createLogger('error'),
      workers,
      deliverOrphan: async (data) => orphans?.(data.outcome.ok ? data.outcome.answer : data.outcome.error),
    });
    cleanup.push(() => started.close());
    return started;
  };
  return { runpod, model, env, pipeline, store: new PodStore(redis, env.REDIS_PREFIX as string, POD_ID) };
}

function askOn(pipeline: Pipeline, team: string, orphan: Promise<string>) {
  const answer = deferred<string>();
  const followUp: FollowUp = async (reply: Reply) => answer.resolve(reply.text ?? '');
  return pipeline.ask
    ?.submit(
      {
        team,
        platform: 'console',
        interactionId: `drill-${Date.now()}-${Math.random()}`,
        userId: 'u1',
        userName: 'user-1',
        prompt: 'what is 2+2',
        target: 'maverick',
        routeReason: 'drill',
      },
      followUp,
    )
    .then(() => Promise.race([answer.promise, orphan]));
}

describe('pod controller drills', () => {
  it('GIVEN the controller is SIGKILLed while the pod boots THEN another one takes over the run, answers, stops the pod, and the ledger equals the bill', async () => {
    const w = await world('killed', 1500);
    const front = await w.pipeline([]); // the bot: queue and replies, no Maverick worker
    const orphan = deferred<string>();
    const answered = askOn(front, 'team-a', orphan.promise);

    const worker = spawn(process.execPath, [BIN, 'worker', 'maverick'], { env: { ...process.env, ...w.env } });
    const exited = new Promise((resolve) => worker.on('close', resolve));
    await until(() => w.runpod.calls.some((c) => c.operation === 'podResume'), 15_000);
    await until(async () => (await w.store.status())?.state === 'booting', 15_000);
    worker.kill('SIGKILL');
    await exited;
    expect(w.runpod.pod(POD_ID)?.desiredStatus).toBe('RUNNING');

    // A new controller finds the run (after the dead one's lock expires), waits for health, answers.
    await w.pipeline(['maverick'], (text) => orphan.resolve(text));
    expect(await answered).toBe('4');
    await until(async () => (await w.store.status())?.state === 'stopped', 20_000);
    expect(w.runpod.calls.filter((c) => c.operation === 'podResume')).toHaveLength(1);
    const ledger = new RedisLedger(redis, w.env.REDIS_PREFIX as string);
    const totals = spendTotals(await ledger.between('team-a', 0, Date.now() + 60_000));
    expect(totals.requests).toBe(1);
    expect(Math.abs(totals.totalUsd - w.runpod.totalBilledUsd())).toBeLessThan(0.005);
  }, 40_000);

  it('GIVEN a daily pod-hour cap WHEN the pod reaches it THEN it is stopped, waiting jobs are told, and new Maverick asks are refused with the numbers', async () => {
    // 0.0004 h = 1.44 s of pod time a day; always-on would run forever without the guard.
    // The model takes longer to load than the cap allows: the job waiting for it is answered with the reason.
    const w = await world('capped', 5000, { MAVERICK_POLICY: 'always-on', MAVERICK_MAX_POD_HOURS_PER_DAY: '0.0004' });
    const pipeline = await w.pipeline(['maverick']);
    const waiting = await askOn(pipeline, 'team-a', new Promise(() => {}));
    expect(waiting).toMatch(/Maverick is paused: the pod has run .* h today.*You were not charged/s);
    await until(
      async () => (await w.store.status())?.capped !== undefined && w.runpod.pod(POD_ID)?.desiredStatus === 'EXITED',
      15_000,
    );
    const refused = await askOn(pipeline, 'team-a', new Promise(() => {}))?.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toMatch(/Maverick is paused: the pod has run .* h today \(limit 0\.0004 h/);
    // Auto routing sees the pod as unavailable and sends heavy prompts to Scout instead.
    const wait = await pipeline.ask?.maverickWait();
    expect(wait?.expectedWaitSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(w.runpod.calls.filter((c) => c.operation === 'podResume')).toHaveLength(1);
  }, 30_000);
});
