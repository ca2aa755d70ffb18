import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import type { ScheduleWindow } from '../../src/runpod/policy.ts';
import {
  assertTimeZone,
  formatWindows,
  localDayNumber,
  localDayStartMs,
  localTime,
  localToEpochMs,
  parseWindows,
  windowIntervals,
} from '../../src/runpod/schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const DAY = 86_400_000;

/** Whether `ms` falls in a window (start inclusive, end exclusive): read through the local clock. */
function inWindow(ms: number, windows: readonly ScheduleWindow[], timeZone: string): boolean {
  const t = localTime(ms, timeZone);
  return windows.some(
    (w) => w.days.includes(t.weekday) && t.minuteOfDay >= w.startMinute && t.minuteOfDay < w.endMinute,
  );
}
/** The first opening after `ms` among the week's intervals. */
const nextWindowStart = (ms: number, windows: readonly ScheduleWindow[], timeZone: string) =>
  windowIntervals(ms, ms + 8 * DAY, windows, timeZone).find(([start]) => start > ms)?.[0];
/** The end of the interval holding `ms`, else of the next one. */
const nextWindowEnd = (ms: number, windows: readonly ScheduleWindow[], timeZone: string) =>
  windowIntervals(ms, ms + 8 * DAY, windows, timeZone).find(([, end]) => end > ms)?.[1];

describe('parseWindows', () => {
  it.each([
    ['Mon-Fri 09:00-18:00', [{ days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 1080 }]],
    [
      'Mon-Fri 09:00-12:30, 13:30-18:00; Sat 10:00-14:00',
      [
        { days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 750 },
        { days: [1, 2, 3, 4, 5], startMinute: 810, endMinute: 1080 },
        { days: [6], startMinute: 600, endMinute: 840 },
      ],
    ],
    ['fri-mon 22:00-24:00', [{ days: [0, 1, 5, 6], startMinute: 1320, endMinute: 1440 }]],
    ['Mon,Wed, Fri 7:05-08:00', [{ days: [1, 3, 5], startMinute: 425, endMinute: 480 }]],
    ['Sun 00:00-24:00;', [{ days: [0], startMinute: 0, endMinute: 1440 }]],
  ])('GIVEN %j THEN it parses to local days and minutes', (text, expected) => {
    expect(parseWindows(text)).toEqual(expected);
  });

  it.each([
    ['', /no schedule windows/],
    ['Mon-Fri', /needs days then times/],
    ['Funday 09:00-10:00', /unknown day 'Funday'/],
    ['Mon-Fri 9-18', /bad time range|bad time/],
    ['Mon 25:00-26:00', /bad time '25:00'/],
    ['Mon 09:60-10:00', /bad time '09:60'/],
    ['Mon 22:00-02:00', /crosses midnight; split it at 24:00/],
    ['Mon 10:00-10:00', /is empty/],
    ['Mon 24:00-24:00', /cannot start at 24:00/],
    ['Mon-Tue-Wed 09:00-10:00', /bad day range/],
  ])('GIVEN %j THEN a UserError says what is wrong', (text, message) => {
    expect(() => parseWindows(text)).toThrow(UserError);
    expect(() => parseWindows(text)).toThrow(message);
  });

  it('GIVEN any windows THEN formatting and parsing again gives the same windows', () => {
    const window = fc
      .record({
        days: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }),
        start: fc.integer({ min: 0, max: 24 * 60 - 1 }),
        length: fc.integer({ min: 1, max: 24 * 60 }),
      })
      .map(({ days, start, length }) => ({
        days: [...days].sort((a, b) => a - b),
        startMinute: start,
        endMinute: Math.min(24 * 60, start + length),
      }));
    fc.assert(
      fc.property(fc.array(window, { minLength: 1, maxLength: 4 }), (windows) => {
        expect(parseWindows(formatWindows(windows))).toEqual(windows);
      }),
    );
  });
});

describe('local time, DST-correct', () => {
  it('GIVEN Berlin on the spring-forward Sunday THEN 02:30 does not exist and moves to 03:30 CEST', () => {
    expect(iso(localToEpochMs(2026, 3, 29, 150, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('GIVEN Berlin on the fall-back Sunday THEN 02:30 happens twice and means the first (CEST)', () => {
    expect(iso(localToEpochMs(2026, 10, 25, 150, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    expect(localTime(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toMatchObject({ weekday: 0, minuteOfDay: 150 });
  });

  it('GIVEN an instant THEN its wall-clock reading has the local date, weekday and minute', () => {
    expect(localTime(at('2026-11-27T23:30:00Z'), 'Asia/Tokyo')).toEqual({
      year: 2026,
      month: 11,
      day: 28,
      weekday: 6,
      minuteOfDay: 8 * 60 + 30,
    });
  });

  it('GIVEN a 23-hour local day THEN day numbers and day starts follow the local calendar', () => {
    const day = localDayNumber(at('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(localDayStartMs(day + 1, 'Europe/Berlin') - localDayStartMs(day, 'Europe/Berlin')).toBe(23 * 3_600_000);
    expect(iso(localDayStartMs(day, 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z');
  });

  it('GIVEN a zone name THEN unknown ones are a UserError', () => {
    expect(() => assertTimeZone('Europe/Berlin')).not.toThrow();
    expect(() => assertTimeZone('Mars/Olympus')).toThrow(/unknown time zone 'Mars\/Olympus'/);
  });
});

describe('windows in time', () => {
  const daily = parseWindows('Mon-Sun 09:00-18:00');

  it.each([
    ['2026-03-28T20:00:00Z', '2026-03-29T07:00:00.000Z'], // Saturday CET evening → Sunday 09:00 CEST
    ['2026-03-27T20:00:00Z', '2026-03-28T08:00:00.000Z'], // Friday → Saturday 09:00 CET
    ['2026-10-24T20:00:00Z', '2026-10-25T08:00:00.000Z'], // Saturday CEST → Sunday 09:00 CET
  ])('GIVEN Berlin at %s THEN the next opening is 09:00 local at %s', (now, opening) => {
    expect(iso(nextWindowStart(at(now), daily, 'Europe/Berlin'))).toBe(opening);
  });

  it('GIVEN New York across its spring-forward night THEN a 09:00 window opens at 14:00Z then 13:00Z', () => {
    const ny = 'America/New_York';
    expect(iso(nextWindowStart(at('2026-03-07T20:00:00Z'), daily, ny))).toBe('2026-03-08T13:00:00.000Z');
    expect(iso(nextWindowStart(at('2026-03-06T20:00:00Z'), daily, ny))).toBe('2026-03-07T14:00:00.000Z');
  });

  it('GIVEN a window starting in the skipped hour THEN it opens at the end of the gap', () => {
    const night = parseWindows('Sun 02:30-04:00');
    expect(iso(nextWindowStart(at('2026-03-28T12:00:00Z'), night, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    expect(inWindow(at('2026-03-29T01:45:00Z'), night, 'Europe/Berlin')).toBe(true);
  });

  it.each([
    ['2026-11-23T07:59:59Z', false], // Monday 08:59:59 CET
    ['2026-11-23T08:00:00Z', true], // 09:00 sharp: start inclusive
    ['2026-11-23T16:59:59Z', true],
    ['2026-11-23T17:00:00Z', false], // 18:00: end exclusive
    ['2026-11-28T10:00:00Z', false], // Saturday
  ])('GIVEN Mon-Fri 09:00-18:00 Berlin at %s THEN inWindow is %s', (now, inside) => {
    expect(inWindow(at(now), parseWindows('Mon-Fri 09:00-18:00'), 'Europe/Berlin')).toBe(inside);
  });

  it('GIVEN touching windows THEN their intervals merge and the end is the merged end', () => {
    const split = parseWindows('Mon 09:00-12:00, 12:00-18:00');
    const monday = at('2026-11-23T09:00:00Z');
    expect(windowIntervals(monday, monday + 3_600_000, split, 'UTC')).toEqual([
      [at('2026-11-23T09:00:00Z'), at('2026-11-23T18:00:00Z')],
    ]);
    expect(iso(nextWindowEnd(monday, split, 'UTC'))).toBe('2026-11-23T18:00:00.000Z');
  });

  it('GIVEN no windows THEN there is no next opening and nothing is inside', () => {
    expect(nextWindowStart(0, [], 'UTC')).toBeUndefined();
    expect(inWindow(0, [], 'UTC')).toBe(false);
  });
});
