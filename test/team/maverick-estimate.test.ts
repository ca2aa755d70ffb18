import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { busySeconds } from '../../src/ask/maverick-speed.ts';
import { TeamService } from '../../src/team/service.ts';
import { TeamSettingsStore } from '../../src/team/settings.ts';
import { deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-mav-estimate-${process.pid}`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

const speed = { decodeTokensPerSec: 50, promptTokensPerSec: 650, source: 'test' };

/** The budget's estimate for one Maverick answer on a pod of `slots` slots, stopped (a 600-s cold start) or ready. */
async function estimate(slots: number, podSeconds: number): Promise<number> {
  const settings = new TeamSettingsStore(redis, PREFIX);
  await settings.update('T1', { teamWeeklyUsd: 0 });
  const teams = new TeamService({
    settings,
    ledger: { between: async () => [] },
    maverick: {
      pricing: { provider: 'runpod', gpuCount: 2, slots, pricePerGpuHourUsd: 3.29 },
      speed,
      maxTokens: 1000,
      pod: async () => ({ seconds: podSeconds }),
    },
    now: () => Date.parse('2026-11-27T12:00:00Z'),
  });
  const verdict = await teams.maverickVerdict('T1', 'U1', 'a short question');
  const usd = /costs about \$([\d.]+)/.exec(verdict.reason ?? '')?.[1];
  return Number(usd);
}

it('GIVEN a pod with 4 slots THEN an answer is estimated at a quarter of its busy time, plus a whole cold start when the pod is stopped', async () => {
  const busyUsd = (busySeconds(speed, 4, 1000) * 2 * 3.29) / 3600;
  const bootUsd = (600 * 2 * 3.29) / 3600;
  expect(await estimate(1, 0)).toBeCloseTo(busyUsd, 2);
  expect(await estimate(4, 0)).toBeCloseTo(busyUsd / 4, 2);
  expect(await estimate(4, 600)).toBeCloseTo(busyUsd / 4 + bootUsd, 2);
});
