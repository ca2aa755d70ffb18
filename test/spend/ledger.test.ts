import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/spend/ledger-entry.ts';
import { spendTotals } from '../../src/spend/ledger-entry.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { testEntry } from '../helpers.ts';
import { deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-ledger-${process.pid}`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const ledger = new RedisLedger(redis, PREFIX);
const AT = Date.UTC(2026, 10, 25, 12); // Wednesday of 2026-W48

afterAll(async () => {
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

function entry(jobId: string, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return testEntry({ jobId, startedAtMs: AT, endedAtMs: AT + 2000, ...over });
}

describe('Redis ledger', () => {
  it('GIVEN the same job twice THEN it is charged once and the second write changes nothing', async () => {
    const first = await ledger.record(entry('job-1'));
    const again = await ledger.record(entry('job-1', { costUsd: 99 }));
    expect(first).toEqual({ written: true, costUsd: 0.01, teamWeekUsd: 0.01, userWeekUsd: 0.01 });
    expect(again).toEqual({ written: false, costUsd: 0.01, teamWeekUsd: 0.01, userWeekUsd: 0.01 });
    expect((await ledger.get('T1', 'job-1'))?.costUsd).toBe(0.01);
  });

  it('GIVEN several users and a failed job THEN week totals equal the sum of charged entries', async () => {
    await ledger.record(entry('job-2', { userId: 'U2', userName: 'bob', costUsd: 0.03 }));
    await ledger.record(entry('job-3', { status: 'failed', costUsd: 0 }));
    const last = await ledger.record(entry('job-4', { costUsd: 0.02 }));
    const entries = await ledger.between('T1', AT - 86_400_000, AT + 86_400_000);
    const totals = spendTotals(entries);
    expect(last.teamWeekUsd).toBeCloseTo(totals.totalUsd, 12);
    expect(last.userWeekUsd).toBeCloseTo(0.03, 12);
    expect(totals.requests).toBe(3);
    expect(totals.failed).toBe(1);
    expect(totals.byUser.reduce((s, u) => s + u.share, 0)).toBeCloseTo(1, 12);
  });

  it('GIVEN two teams THEN neither sees the other', async () => {
    await ledger.record(entry('job-5', { team: 'T2:with:colons', costUsd: 5 }));
    expect((await ledger.between('T1', 0, AT * 2)).some((e) => e.team !== 'T1')).toBe(false);
    expect((await ledger.between('T2:with:colons', 0, AT * 2)).map((e) => e.jobId)).toEqual(['job-5']);
  });
});
