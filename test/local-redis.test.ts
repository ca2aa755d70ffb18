import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureRedis, pingRedis } from '../src/infra/local-redis.ts';

describe('a private redis-server when none answers', () => {
  it('GIVEN nothing on the configured local port THEN one is started elsewhere, answers, and stops', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'fitbot-test-')), 'redis');
    const redis = await ensureRedis('redis://127.0.0.1:1', { dataDir });
    expect(redis.url).not.toBe('redis://127.0.0.1:1');
    expect(await pingRedis(redis.url)).toBe(true);
    await redis.stop?.();
    expect(await pingRedis(redis.url, 300)).toBe(false);
  });

  it('GIVEN noStart (an explicit REDIS_URL) THEN a clear error, nothing started', async () => {
    await expect(ensureRedis('redis://127.0.0.1:1', { noStart: true })).rejects.toThrow(/does not answer/);
  });

  it('GIVEN a port that accepts and closes at once (a proxy to a stopped Redis) THEN ping says no, without hanging', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await pingRedis(`redis://127.0.0.1:${port}`, 5000)).toBe(false);
    server.close();
  });

  it('GIVEN the Redis that answers THEN it is used as is', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    expect(await ensureRedis(url)).toEqual({ url });
  });
});
