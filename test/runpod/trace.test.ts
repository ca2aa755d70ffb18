import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { localTime } from '../../src/runpod/schedule.ts';
import { serviceMs } from '../../src/runpod/simulate.ts';
import { generateTrace, mulberry32, parseTrace, toJsonl } from '../../src/runpod/trace.ts';

const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    at: '2026-11-23T09:15:00Z',
    team: 'acme',
    user: 'ada',
    route: 'maverick',
    promptTokens: 1200,
    completionTokens: 600,
    ...over,
  });

describe('parseTrace', () => {
  it('GIVEN JSONL with blank lines and CRLF THEN every request is read, times in epoch ms', () => {
    const text = `${line()}\r\n\r\n${line({ at: '2026-11-23T10:15:00+01:00', route: 'scout' })}\n   \n`;
    expect(parseTrace(text)).toEqual([
      {
        atMs: Date.parse('2026-11-23T09:15:00Z'),
        team: 'acme',
        user: 'ada',
        route: 'maverick',
        promptTokens: 1200,
        completionTokens: 600,
      },
      {
        atMs: Date.parse('2026-11-23T09:15:00Z'),
        team: 'acme',
        user: 'ada',
        route: 'scout',
        promptTokens: 1200,
        completionTokens: 600,
      },
    ]);
  });

  it.each([
    ['{not json', /trace line 2: not valid JSON/],
    ['[1, 2]', /trace line 2: expected a JSON object/],
    [line({ at: 'yesterday' }), /trace line 2: "at" must be an ISO-8601 time with a zone/],
    [line({ at: '2026-11-23T09:15:00' }), /trace line 2: "at" must be an ISO-8601 time with a zone/],
    [line({ at: undefined }), /trace line 2: "at"/],
    [line({ user: '' }), /trace line 2: "user" must be a non-empty string/],
    [line({ route: 7 }), /trace line 2: "route" must be a non-empty string/],
    [line({ promptTokens: -1 }), /trace line 2: "promptTokens" must be a whole number ≥ 0/],
    [line({ completionTokens: 1.5 }), /trace line 2: "completionTokens" must be a whole number ≥ 0/],
  ])('GIVEN a bad second line %s THEN a UserError names the line', (bad, message) => {
    const text = `${line()}\n${bad}\n${line()}`;
    expect(() => parseTrace(text)).toThrow(UserError);
    expect(() => parseTrace(text)).toThrow(message);
  });

  it('GIVEN a trace written with toJsonl THEN parsing it gives it back', () => {
    const trace = generateTrace({ seed: 7, teamSize: 3 });
    expect(parseTrace(toJsonl(trace))).toEqual(trace);
  });
});

describe('generateTrace', () => {
  it('GIVEN the same seed THEN the same trace; another seed THEN another', () => {
    const options = { seed: 42, teamSize: 4, timeZone: 'America/New_York', week: '2026-11-18' };
    expect(generateTrace(options)).toEqual(generateTrace(options));
    expect(generateTrace({ ...options, seed: 43 })).not.toEqual(generateTrace(options));
  });

  it('GIVEN a seed THEN mulberry32 repeats itself and stays in [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });

  it('GIVEN any day of a week THEN requests fall in that Monday-to-Sunday week, sorted, all Maverick', () => {
    const trace = generateTrace({ seed: 1, week: '2026-11-19', timeZone: 'Asia/Tokyo' });
    const first = localTime(trace[0]?.atMs ?? 0, 'Asia/Tokyo');
    expect(first).toMatchObject({ year: 2026, month: 11 });
    expect(first.day).toBeGreaterThanOrEqual(16);
    for (const r of trace) {
      const t = localTime(r.atMs, 'Asia/Tokyo');
      expect(t.month === 11 && t.day >= 16 && t.day <= 23).toBe(true);
      expect(r.route).toBe('maverick');
    }
    expect(trace.map((r) => r.atMs)).toEqual([...trace.map((r) => r.atMs)].sort((a, b) => a - b));
  });

  it('GIVEN ten seeds THEN a small team works weekdays in its own zone: quiet nights and weekends, a lunch dip', () => {
    const zone = 'Asia/Tokyo';
    const local = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((seed) =>
      generateTrace({ seed, teamSize: 5, timeZone: zone }).map((r) => localTime(r.atMs, zone)),
    );
    const weekday = local.filter((t) => t.weekday >= 1 && t.weekday <= 5);
    const between = (from: number, to: number) =>
      weekday.filter((t) => t.minuteOfDay >= from * 60 && t.minuteOfDay < to * 60).length;
    expect(between(7, 19.5) / local.length).toBeGreaterThan(0.85);
    expect(local.filter((t) => t.minuteOfDay < 6 * 60)).toHaveLength(0);
    expect(between(12.75, 13.25)).toBeLessThan(0.6 * ((between(10, 10.5) + between(15, 15.5)) / 2));
  });

  it('GIVEN five people at 50 tok/s decode THEN the GPU is busy about an hour a week', () => {
    const speeds = { promptTokensPerSec: 650, decodeTokensPerSec: 50 };
    const hours = [1, 2, 3, 4, 5].map(
      (seed) =>
        generateTrace({ seed, teamSize: 5 }).reduce(
          (sum, r) =>
            sum + serviceMs(r, { ...speeds, pricePerHourUsd: 0, coldStartSeconds: 0, slots: 1, waitTargetSeconds: 0 }),
          0,
        ) / 3_600_000,
    );
    const mean = hours.reduce((a, b) => a + b, 0) / hours.length;
    expect(mean).toBeGreaterThan(0.6);
    expect(mean).toBeLessThan(1.6);
  });

  it('GIVEN more intensity or people THEN more requests', () => {
    const base = generateTrace({ seed: 3, teamSize: 4 }).length;
    expect(generateTrace({ seed: 3, teamSize: 4, intensity: 2 }).length).toBeGreaterThan(base);
    expect(generateTrace({ seed: 3, teamSize: 8 }).length).toBeGreaterThan(base);
    expect(generateTrace({ seed: 3, teamSize: 4, weeks: 3 }).length).toBeGreaterThan(2 * base);
  });

  it.each([
    [{ teamSize: 0 }, /team size/],
    [{ weeks: 0.5 }, /weeks/],
    [{ intensity: 0 }, /intensity/],
    [{ week: '23/11/2026' }, /week must be a date/],
    [{ timeZone: 'Nowhere/Town' }, /unknown time zone/],
  ])('GIVEN bad options %j THEN a UserError', (bad, message) => {
    expect(() => generateTrace({ seed: 1, ...bad })).toThrow(message);
  });
});
