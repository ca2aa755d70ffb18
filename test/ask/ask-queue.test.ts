import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { AskQueue } from '../../src/queue/ask-queue.ts';
import { askJobId } from '../../src/queue/jobs.ts';
import { clientConnection } from '../../src/queue/redis.ts';
import { deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-askqueue-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const connection = clientConnection(REDIS_URL);
let nowMs = Date.UTC(2026, 10, 27, 12);
const queue = new AskQueue({
  connection,
  prefix: PREFIX,
  ask: parseConfig({}).ask,
  slots: { scout: 1 },
  maverickMaxWaitSeconds: 900,
  now: () => nowMs,
});

// The client connection fails fast while not connected (no offline queue): wait until it is.
beforeAll(async () => {
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
});

afterAll(async () => {
  await queue.close();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
  connection.disconnect();
});

const request = (interactionId: string) => ({
  team: 't',
  platform: 'console' as const,
  interactionId,
  userId: 'u',
  userName: 'ada',
  prompt: 'hi',
  target: 'scout' as const,
  routeReason: 'test',
});

describe('AskQueue (no worker: jobs stay queued)', () => {
  it('GIVEN jobs waiting THEN positions count up and the ETA grows with them', async () => {
    const first = await queue.submit(request('p1'), async () => {});
    const second = await queue.submit(request('p2'), async () => {});
    expect(second.position).toBe(first.position + 1);
    expect(second.etaSeconds).toBeGreaterThan(first.etaSeconds);
  });

  it('GIVEN a reply handle older than an hour THEN it is forgotten (the answer would go to the channel)', async () => {
    await queue.submit(request('old'), async () => {});
    nowMs += 2 * 60 * 60_000;
    await queue.submit(request('new'), async () => {});
    expect(queue.takeHandle(askJobId('console', 'old'))).toBeUndefined();
    expect(queue.takeHandle(askJobId('console', 'new'))).toBeTypeOf('function');
  });
});
