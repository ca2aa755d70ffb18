import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isoWeekIn,
  isoWeekOf,
  isTimeZone,
  localDayKey,
  parseIsoWeek,
  parseIsoWeekIn,
  weekDayKeys,
} from '../../src/spend/week.ts';

/** A week's length in hours: 168, or 167/169 across a DST change. */
const weekHours = (week: { startMs: number; endMs: number }) => (week.endMs - week.startMs) / 3_600_000;

const at = (iso: string) => Date.parse(iso);

describe('ISO weeks in a time zone', () => {
  it.each([
    // 2026 EU change: Sunday 29 March 02:00 → 03:00 CEST; back Sunday 25 October 03:00 → 02:00 CET.
    ['Europe/Berlin', '2026-W13', '2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z', 167],
    ['Europe/Berlin', '2026-W43', '2026-10-18T22:00:00Z', '2026-10-25T23:00:00Z', 169],
    ['Europe/Berlin', '2026-W20', '2026-05-10T22:00:00Z', '2026-05-17T22:00:00Z', 168],
    // 2026 US change: Sunday 8 March 02:00 → 03:00 EDT; back Sunday 1 November 02:00 → 01:00 EST.
    ['America/New_York', '2026-W10', '2026-03-02T05:00:00Z', '2026-03-09T04:00:00Z', 167],
    ['America/New_York', '2026-W44', '2026-10-26T04:00:00Z', '2026-11-02T05:00:00Z', 169],
    ['America/New_York', '2026-W13', '2026-03-23T04:00:00Z', '2026-03-30T04:00:00Z', 168],
    ['Asia/Kolkata', '2026-W13', '2026-03-22T18:30:00Z', '2026-03-29T18:30:00Z', 168],
    // Tehran skipped Monday 22 March 2021's midnight (00:00 → 01:00): the week starts at the change.
    ['Asia/Tehran', '2021-W12', '2021-03-21T20:30:00Z', '2021-03-28T19:30:00Z', 167],
    ['Europe/Berlin', '2026-W53', '2026-12-27T23:00:00Z', '2027-01-03T23:00:00Z', 168],
  ])('GIVEN %s and %s THEN Monday 00:00 local from %s to %s, %i hours', (tz, label, start, end, hours) => {
    const week = parseIsoWeekIn(label, tz);
    expect(week).toEqual({ label, startMs: at(start), endMs: at(end) });
    expect(week && weekHours(week)).toBe(hours);
    expect(isoWeekIn(at(start), tz)).toEqual(week);
    expect(isoWeekIn(at(end) - 1, tz)).toEqual(week);
  });

  it.each([
    // Berlin's Monday 30 March 00:00 CEST is Sunday 22:00 UTC — still W13 in UTC.
    ['Europe/Berlin', '2026-03-29T21:59:59.999Z', '2026-W13', '2026-03-29'],
    ['Europe/Berlin', '2026-03-29T22:00:00.000Z', '2026-W14', '2026-03-30'],
    ['America/New_York', '2026-03-09T03:59:59.999Z', '2026-W10', '2026-03-08'],
    ['America/New_York', '2026-03-09T04:00:00.000Z', '2026-W11', '2026-03-09'],
    ['America/New_York', '2026-11-02T04:59:59.999Z', '2026-W44', '2026-11-01'],
    ['America/New_York', '2026-11-02T05:00:00.000Z', '2026-W45', '2026-11-02'],
    ['UTC', '2026-03-29T23:59:59.999Z', '2026-W13', '2026-03-29'],
    ['UTC', '2026-03-30T00:00:00.000Z', '2026-W14', '2026-03-30'],
  ])('GIVEN %s at %s (either side of local Monday midnight) THEN week %s, day %s', (tz, iso, label, day) => {
    expect(isoWeekIn(at(iso), tz).label).toBe(label);
    expect(localDayKey(at(iso), tz)).toBe(day);
  });

  it('GIVEN Sunday 22:30 UTC THEN UTC and Berlin disagree on the week, as they should', () => {
    const sunday = at('2026-03-29T22:30:00Z');
    expect(isoWeekOf(sunday).label).toBe('2026-W13');
    expect(isoWeekIn(sunday, 'Europe/Berlin').label).toBe('2026-W14');
  });

  it('GIVEN no zone THEN UTC, the same as isoWeekOf and parseIsoWeek', () => {
    const t = at('2026-11-27T18:00:00Z');
    expect(isoWeekIn(t)).toEqual(isoWeekOf(t));
    expect(parseIsoWeekIn('2026-W48')).toEqual(parseIsoWeek('2026-W48'));
    expect(localDayKey(t)).toBe('2026-11-27');
  });

  it('GIVEN a label that is not an ISO week THEN undefined', () => {
    expect(parseIsoWeekIn('2025-W53', 'Europe/Berlin')).toBeUndefined();
    expect(parseIsoWeekIn('soon', 'America/New_York')).toBeUndefined();
  });

  it('GIVEN an unknown zone THEN isTimeZone says no and the week functions throw RangeError', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => isoWeekIn(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('GIVEN a week THEN its seven local days, Monday first', () => {
    const week = parseIsoWeekIn('2026-W13', 'Europe/Berlin');
    expect(week && weekDayKeys(week)).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
  });

  const ZONES = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',
    'Australia/Sydney',
    'Pacific/Auckland',
    'Asia/Kolkata',
    'Asia/Tehran',
  ];
  it('GIVEN any instant and zone THEN its week holds it, starts on a local Monday 00:00, lasts 167–169 h, and its label round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }),
        fc.constantFrom(...ZONES),
        (ms, tz) => {
          const week = isoWeekIn(ms, tz);
          expect(week.startMs).toBeLessThanOrEqual(ms);
          expect(ms).toBeLessThan(week.endMs);
          expect([167, 168, 169]).toContain(weekHours(week));
          expect(parseIsoWeekIn(week.label, tz)).toEqual(week);
          // Weeks tile time: the one before ends where this one starts.
          expect(isoWeekIn(week.startMs - 1, tz).endMs).toBe(week.startMs);
          const monday = new Date(`${localDayKey(week.startMs, tz)}T00:00:00Z`).getUTCDay();
          expect(monday).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
