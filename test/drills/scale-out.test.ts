import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { askScout } from '../helpers.ts';
import { deleteKeys } from '../redis-helpers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A Redis Cluster hash tag: every key of the deployment lands in one slot. */
const PREFIX = `{fitbot-scale-${process.pid}}`;
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
const ASKS = 24;

let model: FakeOpenAI;
let bot: Pipeline;
let redis: Redis;
const workers: { child: ChildProcess; log: string }[] = [];

beforeAll(async () => {
  model = await startFakeOpenAI({ kind: 'ok', tokenDelayMs: 20 });
  redis = new Redis(REDIS_URL);
  const env = {
    ...process.env,
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    SCOUT_BASE_URL: model.url,
    SCOUT_CONCURRENCY: '2',
    LOG_LEVEL: 'info',
    OPS_PORT: '0',
  };
  for (let i = 0; i < 2; i++) {
    const child = spawn(process.execPath, [BIN, 'worker', 'scout'], { env });
    const worker = { child, log: '' };
    child.stderr?.on('data', (d) => {
      worker.log += d;
    });
    workers.push(worker);
  }
  const deadline = Date.now() + 15_000;
  while (!workers.every((w) => w.log.includes('worker started'))) {
    if (Date.now() > deadline) throw new Error(`workers did not start:\n${workers.map((w) => w.log).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The bot: queue and replies only; the two worker processes do the answering.
  bot = await startPipeline({
    config: parseConfig({ REDIS_URL, REDIS_PREFIX: PREFIX, SCOUT_BASE_URL: model.url, ASK_USER_RATE_LIMIT: '100' }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: [],
    deliverOrphan: async () => {},
  });
});

afterAll(async () => {
  await bot?.close();
  for (const { child } of workers) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await model?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

describe('scale-out: two Scout worker processes on one queue', () => {
  it('GIVEN two worker processes THEN both take jobs, none is processed twice, and every key carries the hash-tag prefix', async () => {
    const replies: Promise<Reply>[] = [];
    for (let i = 0; i < ASKS; i++) {
      replies.push(askScout(bot, 'scale-team', `scale-${i}`, `question ${i}`));
    }
    const answered = await Promise.all(replies);
    expect(answered.every((r) => r.tone === 'info')).toBe(true);

    // Each worker logs 'ask answered' just after handing the answer over: give the last lines a moment.
    const counts = () => workers.map((w) => (w.log.match(/ask answered/g) ?? []).length);
    for (let i = 0; i < 50 && counts().reduce((a, b) => a + b, 0) < ASKS; i++)
      await new Promise((r) => setTimeout(r, 20));
    const perWorker = counts();
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(ASKS);
    expect(model.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(ASKS);
    const entries = await new RedisLedger(redis, PREFIX).between('scale-team', 0, Date.now() + 60_000);
    expect(entries).toHaveLength(ASKS);

    // Each worker process serves /healthz and /metrics; their job counters add up to the asks.
    let completed = 0;
    for (const w of workers) {
      const url = /"msg":"ops endpoints up".*?"url":"([^"]+)"|"url":"([^"]+)".*?"msg":"ops endpoints up"/.exec(w.log);
      const base = url?.[1] ?? url?.[2];
      expect(base, w.log).toBeDefined();
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const text = await (await fetch(`${base}/metrics`)).text();
      const count = /fitbot_job_duration_seconds_count\{[^}]*queue="scout"[^}]*outcome="completed"[^}]*\} (\d+)/.exec(
        text,
      );
      completed += Number(count?.[1] ?? 0);
    }
    expect(completed).toBe(ASKS);

    // Redis Cluster: keys hash only their {tag}, so one tag keeps BullMQ's multi-key scripts in one slot.
    const keys = await redis.keys(`${PREFIX}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(`${PREFIX}:`))).toBe(true);
  }, 30_000);
});
