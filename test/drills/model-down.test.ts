import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { askScout } from '../helpers.ts';
import { deleteKeys } from '../redis-helpers.ts';

/**
 * Drill: the model server goes away (a proxy in front of it answers 502, as
 * RunPod's does while the pod's server is down) for longer than one try, then
 * comes back. Compressed: ~2 s of outage against backoff from 200 ms.
 */

const PREFIX = `test-drill-model-down-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let model: FakeOpenAI;
let pipeline: Pipeline;
let redis: Redis;

beforeAll(async () => {
  model = await startFakeOpenAI();
  redis = new Redis(REDIS_URL);
  pipeline = await startPipeline({
    config: parseConfig({
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: model.url,
      ASK_ATTEMPTS: '6',
      ASK_BACKOFF_MS: '200',
    }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error', () => {}),
    workers: ['scout'],
    deliverOrphan: async () => {},
  });
});

afterAll(async () => {
  await pipeline?.close();
  await model?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

/** One Scout /ask of the drill's team. */
const ask = (id: string) => askScout(pipeline, 'down-team', id, 'what is 2+2');

describe('drill: the model server down for a while', () => {
  it('GIVEN an outage shorter than the retry budget THEN the answer comes once, charged once', async () => {
    const outage = { kind: 'status', status: 502 } as const;
    model.behave(outage, outage, outage, outage, { kind: 'ok' });
    const started = Date.now();
    const reply = await ask(`down-${Date.now()}`);
    expect(reply.text).toBe('4');
    // Four failed tries with backoff 200, 400, 800, 1600 ms before the fifth answered.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const entries = await new RedisLedger(redis, PREFIX).between('down-team', 0, Date.now() + 60_000);
    expect(entries.filter((e) => e.status === 'ok')).toHaveLength(1);
  }, 20_000);

  it('GIVEN an outage longer than the retry budget THEN a clear error, not charged', async () => {
    model.behave({ kind: 'status', status: 502 });
    const reply = await ask(`down-long-${Date.now()}`);
    expect(reply.tone).toBe('error');
    expect(reply.text).toMatch(
      /Llama 4 Scout could not answer: the model server answered HTTP 502, after 6 tries\. You were not charged\./,
    );
    model.behave({ kind: 'ok' });
  }, 30_000);
});
