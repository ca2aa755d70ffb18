import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { askScout } from '../helpers.ts';
import { deleteKeys, until } from '../redis-helpers.ts';

/** Drill: a worker process told to stop (SIGTERM) while it is answering. */

const PREFIX = `test-drill-shutdown-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
/** 20 tokens at 100 ms: an answer takes about two seconds. */
const SLOW = {
  kind: 'ok',
  tokenDelayMs: 100,
  answer: () => Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '),
} as const;

let model: FakeOpenAI;
let bot: Pipeline;
let redis: Redis;

function worker(env: Record<string, string> = {}): {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, 'worker', 'scout'], {
    env: {
      ...process.env,
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: model.url,
      LOG_LEVEL: 'info',
      OPS_PORT: '0',
      WORKER_LOCK_MS: '1000',
      ...env,
    },
  });
  let log = '';
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  workers.push({ child, exited });
  return { child, log: () => log, exited };
}

/** Every worker process started, so that none outlives the file (a live one would write keys after the clean-up). */
const workers: { child: ChildProcess; exited: Promise<number | null> }[] = [];

/** One Scout /ask of the drill's team. */
const ask = (id: string) => askScout(bot, 'stop-team', id, 'a question');

const chats = () => model.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

beforeAll(async () => {
  model = await startFakeOpenAI(SLOW);
  redis = new Redis(REDIS_URL);
  bot = await startPipeline({
    config: parseConfig({ REDIS_URL, REDIS_PREFIX: PREFIX, SCOUT_BASE_URL: model.url }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: [],
    deliverOrphan: async () => {},
  });
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await bot?.close();
  await model?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

describe('drill: SIGTERM while answering', () => {
  it('GIVEN an answer in flight WHEN the worker gets SIGTERM THEN it finishes the answer, then exits 0', async () => {
    const w = worker();
    await until(() => w.log().includes('worker started'));
    const before = chats();
    const reply = ask(`stop-finish-${Date.now()}`);
    await until(() => chats() > before);
    w.child.kill('SIGTERM');
    expect((await reply).text).toMatch(/^w0 w1/);
    expect(await w.exited).toBe(0);
    expect(w.log()).toMatch(/worker stopping/);
    expect(w.log()).not.toMatch(/answers in flight/);
  }, 20_000);

  it('GIVEN a grace period shorter than the answer THEN the job goes back to the queue, another worker answers it, once', async () => {
    const first = worker({ SHUTDOWN_GRACE_MS: '200' });
    await until(() => first.log().includes('worker started'));
    const before = chats();
    const id = `stop-handback-${Date.now()}`;
    const reply = ask(id);
    await until(() => chats() > before);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.log()).toMatch(/answers in flight; they go back to the queue/);

    const second = worker();
    const answer = await reply;
    expect(answer.text).toMatch(/^w0 w1/);
    second.child.kill('SIGTERM');
    await second.exited;
    const entries = await new RedisLedger(redis, PREFIX).between('stop-team', 0, Date.now() + 60_000);
    expect(entries.filter((e) => e.jobId.includes('stop-handback'))).toHaveLength(1);
  }, 30_000);
});
