import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type ChannelPost, type Pipeline, startPipeline } from '../../src/pipeline.ts';
import type { ReplyJobData } from '../../src/queue/jobs.ts';
import { askJobId } from '../../src/queue/jobs.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { isoWeekIn } from '../../src/spend/week.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { testEntry } from '../helpers.ts';
import { deferred, deleteKeys, until } from '../redis-helpers.ts';

const PREFIX = `test-summary-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let scout: FakeOpenAI;
let maverick: FakeOpenAI;
let redis: Redis;
const posts: { platform: string; channel: string; reply: Reply }[] = [];
const delivered = new Map<string, (data: ReplyJobData) => void>();
const open: Pipeline[] = [];

const config = () =>
  parseConfig({
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    SCOUT_BASE_URL: scout.url,
    MAVERICK_BASE_URL: maverick.url,
    MAVERICK_PRICE_PER_GPU_HOUR_USD: '400',
  });

const post: ChannelPost = async (platform, channel, reply) => {
  posts.push({ platform, channel, reply });
};

async function pipeline(): Promise<Pipeline> {
  const started = await startPipeline({
    config: config(),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: ['scout', 'maverick'],
    // Every answer comes here with its receipt (the test drops the reply handles).
    deliverOrphan: async (data) => delivered.get(data.askJobId)?.(data),
    post,
  });
  open.push(started);
  return started;
}

beforeAll(async () => {
  scout = await startFakeOpenAI();
  maverick = await startFakeOpenAI({ kind: 'ok', tokenDelayMs: 5 });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const p of open) await p.close();
  await scout?.close();
  await maverick?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

let counter = 0;
/** One real /ask through the queue; resolves with the reply job, receipt included. */
async function ask(p: Pipeline, team: string, user: string, target: 'scout' | 'maverick'): Promise<ReplyJobData> {
  counter++;
  const interactionId = `sum-${counter}-${Date.now()}`;
  const jobId = askJobId('slack', interactionId);
  const done = deferred<ReplyJobData>();
  delivered.set(jobId, done.resolve);
  await p.ask?.submit(
    {
      team,
      platform: 'slack',
      interactionId,
      userId: user,
      userName: user,
      channel: 'C1',
      prompt: `question ${counter}: explain the difference between a mutex and a semaphore`,
      target,
      routeReason: 'test',
    },
    async () => {},
  );
  p.ask?.takeHandle(jobId);
  return done.promise;
}

describe('the weekly summary', () => {
  it('GIVEN a ledger seeded by real /ask runs THEN the totals equal the sum of the receipts to the cent and the shares add to 100 %', async () => {
    const p = await pipeline();
    const team = 'team-sum';
    const runs = [
      ['ada', 'maverick'],
      ['ada', 'scout'],
      ['grace', 'maverick'],
      ['linus', 'scout'],
      ['grace', 'maverick'],
    ] as const;
    const receipts = [];
    for (const [user, target] of runs) {
      const data = await ask(p, team, user, target);
      if (!data.outcome.ok) throw new Error(data.outcome.error);
      receipts.push({ user, costUsd: data.outcome.receipt.costUsd });
    }
    const summary = await p.spend?.summary(team);
    const receiptsUsd = receipts.reduce((s, r) => s + r.costUsd, 0);
    expect(receiptsUsd).toBeGreaterThan(0.01);
    expect(Math.round((summary?.totalUsd ?? 0) * 100)).toBe(Math.round(receiptsUsd * 100));
    expect(Math.abs((summary?.totalUsd ?? 0) - receiptsUsd)).toBeLessThan(1e-9);
    expect(summary?.requests).toBe(runs.length);
    expect(summary?.byUser.reduce((s, u) => s + u.share, 0)).toBeCloseTo(1, 12);
    expect(summary?.byUser.reduce((s, u) => s + u.sharePercent, 0)).toBeCloseTo(100, 9);
    for (const user of ['ada', 'grace', 'linus']) {
      const own = receipts.filter((r) => r.user === user).reduce((s, r) => s + r.costUsd, 0);
      expect(summary?.byUser.find((u) => u.user === user)?.costUsd).toBeCloseTo(own, 12);
    }
    // What the Scout answers would have cost on Maverick is estimated from Maverick's price and /fit speed.
    expect(summary?.savings).toBeDefined();
  });

  it('GIVEN a schedule the scheduler refuses THEN nothing of the change is kept and later changes work', async () => {
    const p = open[0] ?? (await pipeline());
    const team = 'team-bad-cron';
    await expect(
      p.teams?.update(team, { summaryPlatform: 'slack', summaryChannel: 'C9', summaryCron: '0 25 * * *' }),
    ).rejects.toThrow(/the schedule was not accepted/);
    expect(await p.teams?.settings(team)).toEqual({});
    const ok = await p.teams?.update(team, { teamWeeklyUsd: 50 });
    expect(ok?.settings).toEqual({ teamWeeklyUsd: 50 });
  });

  it('GIVEN a schedule that fires every second THEN the summary is posted once for the week, also after a restart', async () => {
    const first = await pipeline();
    const team = 'team-sched';
    // Last week (in Berlin) had one answer, so the summary has numbers and a chart.
    const lastWeek = isoWeekIn(isoWeekIn(Date.now(), 'Europe/Berlin').startMs - 1, 'Europe/Berlin');
    await new RedisLedger(redis, PREFIX).record(
      testEntry({
        jobId: 'seeded-1',
        team,
        userId: 'ada',
        startedAtMs: lastWeek.startMs + 3_600_000,
        endedAtMs: lastWeek.startMs + 3_601_000,
        costUsd: 0.25,
        costBasis: 'seeded',
      }),
    );
    const set = await first.teams?.update(team, {
      summaryPlatform: 'discord',
      summaryChannel: '123456',
      summaryCron: '* * * * * *',
      timeZone: 'Europe/Berlin',
    });
    expect(set?.nextSummaryAtMs).toBeGreaterThan(Date.now() - 1000);
    const mine = () => posts.filter((x) => x.channel === '123456');
    await until(() => mine().length >= 1);
    await new Promise((r) => setTimeout(r, 2500)); // the scheduler fires twice more
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await pipeline(); // a restart: the scheduler lives in Redis and fires again
    await new Promise((r) => setTimeout(r, 2000));
    expect(mine()).toHaveLength(1);
    const only = mine()[0];
    expect(only?.platform).toBe('discord');
    expect(only?.reply.title).toBe(`Spend, ${lastWeek.label}: $0.25`);
    expect(only?.reply.image?.png.subarray(1, 4).toString()).toBe('80,78,71'); // "PNG"
    await second.teams?.update(team, { summaryChannel: null, summaryPlatform: null });
  }, 20_000);
});
