import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PodRun, type RunAnswer, settleRun } from '../../src/runpod/accounting.ts';

// 2 GPUs × $3.60/GPU-h = $0.002 per second: easy to check by hand.
const RUN: PodRun = {
  runId: 'r1',
  startedAtMs: 0,
  readyAtMs: 600_000,
  endedAtMs: 1_000_000,
  gpuCount: 2,
  pricePerGpuHourUsd: 3.6,
};

function answer(jobId: string, startS: number, endS: number, tokens: number, chargedUsd = 0): RunAnswer {
  return {
    team: 't',
    jobId,
    userId: jobId,
    userName: jobId,
    startedAtMs: startS * 1000,
    endedAtMs: endS * 1000,
    tokens,
    chargedUsd,
  };
}

describe('settling a pod run', () => {
  it('GIVEN one answer THEN it pays its busy seconds and all boot and idle time', () => {
    const s = settleRun(RUN, [answer('a', 700, 800, 500, 0.2)]);
    expect(s.billedSeconds).toBe(1000);
    expect(s.bootSeconds).toBe(600);
    expect(s.busySeconds).toBe(100);
    expect(s.idleSeconds).toBe(300);
    expect(s.billedUsd).toBeCloseTo(2, 12);
    expect(s.shares[0]?.busyUsd).toBeCloseTo(0.2, 12);
    expect(s.shares[0]?.idleUsd).toBeCloseTo(1.8, 12);
    // Charged $0.20 when it finished: $1.80 is settled.
    expect(s.shares[0]?.settleUsd).toBeCloseTo(1.8, 12);
  });

  it('GIVEN two answers overlapping on two slots THEN the shared seconds are split by token rate and the union is busy once', () => {
    // a: 700–800 s, 1000 tokens (10/s); b: 750–850 s, 300 tokens (3/s). Overlap 750–800.
    const s = settleRun(RUN, [answer('a', 700, 800, 1000), answer('b', 750, 850, 300)]);
    expect(s.busySeconds).toBe(150);
    const [a, b] = s.shares;
    // a: 50 s alone ($0.10) + 10/13 of 50 s ($0.0769…); b: 3/13 of 50 s + 50 s alone.
    expect(a?.busyUsd).toBeCloseTo(0.1 + (0.1 * 10) / 13, 12);
    expect(b?.busyUsd).toBeCloseTo(0.1 + (0.1 * 3) / 13, 12);
    expect((a?.busyUsd ?? 0) + (b?.busyUsd ?? 0)).toBeCloseTo(0.3, 12);
  });

  it('GIVEN a run that served nobody THEN all of it is unattributed', () => {
    const s = settleRun({ ...RUN, readyAtMs: undefined }, []);
    expect(s.shares).toEqual([]);
    expect(s.bootSeconds).toBe(1000);
    expect(s.unattributedUsd).toBeCloseTo(2, 12);
  });

  it('ANY run: what was charged plus what is settled equals price × billed seconds', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            start: fc.integer({ min: 0, max: 1200 }),
            length: fc.integer({ min: 0, max: 300 }),
            tokens: fc.integer({ min: 0, max: 5000 }),
            charged: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { maxLength: 12 },
        ),
        (raw) => {
          const answers = raw.map((r, i) => answer(`j${i}`, r.start, r.start + r.length, r.tokens, r.charged));
          const s = settleRun(RUN, answers);
          const ledger =
            answers.reduce((sum, a) => sum + a.chargedUsd, 0) +
            s.shares.reduce((sum, x) => sum + x.settleUsd, 0) +
            s.unattributedUsd;
          expect(ledger).toBeCloseTo(s.billedUsd, 9);
          expect(s.bootSeconds + s.busySeconds + s.idleSeconds).toBeCloseTo(s.billedSeconds, 9);
        },
      ),
    );
  });
});
