import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import type { ReplyJobData } from '../../src/queue/jobs.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { deleteKeys, until } from '../redis-helpers.ts';

const PREFIX = `test-drill-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

let fake: FakeOpenAI;
let pipeline: Pipeline;
let redis: Redis;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker', 'scout'], {
    env: {
      ...process.env,
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: fake.url,
      WORKER_LOCK_MS: '1000',
      ASK_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  // 40 words at 100 ms each: the answer streams for about 4 s, long enough to kill a worker mid-answer.
  fake = await startFakeOpenAI({ kind: 'ok', answer: () => LONG_ANSWER, tokenDelayMs: 100 });
  const orphans: ReplyJobData[] = [];
  pipeline = await startPipeline({
    config: parseConfig({ REDIS_URL, REDIS_PREFIX: PREFIX, SCOUT_BASE_URL: fake.url, LOG_LEVEL: 'error' }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: [], // the bot alone: model workers are separate processes here
    deliverOrphan: async (data) => {
      orphans.push(data);
    },
  });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await pipeline?.close();
  await fake?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

describe('drill: a worker SIGKILLed mid-answer', () => {
  it('GIVEN the worker dies while streaming THEN another worker recovers the job: answered once, charged once', async () => {
    const first = startWorker();
    const delivered: Reply[] = [];
    const ack = await pipeline.ask?.submit(
      {
        team: 'drill',
        platform: 'console',
        interactionId: `kill-${Date.now()}`,
        userId: 'u1',
        userName: 'ada',
        prompt: 'tell me a long story',
        target: 'scout',
        routeReason: 'drill',
      },
      async (reply) => {
        delivered.push(reply);
      },
    );
    expect(ack?.duplicate).toBe(false);
    const chats = () => fake.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    await until(() => chats() === 1, 15_000);
    await new Promise((r) => setTimeout(r, 500)); // mid-stream
    first.kill('SIGKILL');
    startWorker();
    await until(() => delivered.length === 1, 30_000);
    expect(chats()).toBe(2);
    expect(delivered[0]?.text).toBe(LONG_ANSWER);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more arrives
    expect(delivered).toHaveLength(1);
    const entries = await new RedisLedger(redis, PREFIX).between('drill', 0, Date.now() + 1000);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.status).toBe('ok');
  });
});
