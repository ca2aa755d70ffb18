import { DEFAULT_REDIS_URL, ensureRedis, type LocalRedis } from '../src/infra/local-redis.ts';

let redis: LocalRedis | undefined;

/** Tests that need Redis use REDIS_URL; when nothing answers there, a private redis-server is started. */
export async function setup(): Promise<void> {
  redis = await ensureRedis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL);
  process.env.REDIS_URL = redis.url;
}

export async function teardown(): Promise<void> {
  await redis?.stop?.();
}
