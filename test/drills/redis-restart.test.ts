import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { pingRedis } from '../../src/infra/local-redis.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';

/**
 * Drill: the Redis behind the queues and the ledger is restarted while answers
 * are being produced. A redis-server of the test's own, on its own port, with an
 * append-only file fsynced on every write, shut down cleanly and started again
 * on the same data.
 */

const PREFIX = 'drill';
const ASKS = 16;
let dir: string;
let port: number;
let server: ChildProcess | undefined;
let model: FakeOpenAI;
let pipeline: Pipeline;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
}

async function startRedis(): Promise<void> {
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5000;
  while (!(await pingRedis(`redis://127.0.0.1:${port}`, 200))) {
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopRedis(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // redis-server shuts down cleanly on SIGTERM: the AOF is complete
  await exited;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fitbot-drill-'));
  port = await freePort();
  await startRedis();
  // ~20 tokens at 40 ms: each answer takes most of a second, so several are in flight at the restart.
  model = await startFakeOpenAI({
    kind: 'ok',
    tokenDelayMs: 40,
    answer: () =>
      'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty',
  });
  pipeline = await startPipeline({
    config: parseConfig({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: model.url,
      SCOUT_CONCURRENCY: '4',
      ASK_ATTEMPTS: '5',
      ASK_BACKOFF_MS: '200',
      WORKER_LOCK_MS: '3000',
    }),
    catalog: BUILTIN_CATALOG,
    // The outage is logged as errors by design; the drill checks outcomes, not log lines.
    log: createLogger('error', () => {}),
    workers: ['scout'],
    deliverOrphan: async () => {
      throw new Error('every answer has its handle here');
    },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await model?.close();
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('drill: Redis restarted under load', () => {
  it('GIVEN answers in flight WHEN Redis restarts THEN every answer is delivered once and charged once, and the ledger lost nothing', async () => {
    const answers = new Map<string, Reply[]>();
    const all: Promise<void>[] = [];
    for (let i = 0; i < ASKS; i++) {
      const id = `restart-${i}`;
      answers.set(id, []);
      let done: () => void = () => {};
      all.push(new Promise<void>((r) => (done = r)));
      await pipeline.ask?.submit(
        {
          team: 'drill-team',
          platform: 'console',
          interactionId: id,
          userId: `u${i % 3}`,
          userName: `user${i % 3}`,
          prompt: `question ${i}`,
          target: 'scout',
          routeReason: 'drill',
        },
        async (reply) => {
          answers.get(id)?.push(reply);
          done();
        },
      );
    }
    // Let some answers finish and others start, then restart Redis under them.
    const delivered = () => [...answers.values()].filter((r) => r.length > 0).length;
    while (delivered() < 3) await new Promise((r) => setTimeout(r, 20));
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1000));
    await startRedis();

    await Promise.race([
      Promise.all(all),
      new Promise((_, reject) => setTimeout(() => reject(new Error('answers missing')), 60_000)),
    ]);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    for (const [id, replies] of answers) {
      expect(replies, id).toHaveLength(1);
      expect(replies[0]?.tone, id).toBe('info');
    }
    const redis = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const entries = await new RedisLedger(redis, PREFIX).between('drill-team', 0, Date.now() + 60_000);
      expect(entries.filter((e) => e.status === 'ok')).toHaveLength(ASKS);
      expect(new Set(entries.map((e) => e.jobId)).size).toBe(entries.length);
    } finally {
      redis.disconnect();
    }
  }, 90_000);
});
