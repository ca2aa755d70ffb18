/**
 * ISO weeks (Monday to Monday), in UTC or in an IANA time zone. Pure: callers
 * pass the time in. Zone arithmetic is src/time/zone.ts, so a week containing a
 * DST change is 167 or 169 hours long.
 */

import { DAY_MS, localDayNumber, localDayStartMs } from '../time/zone.ts';

export { isTimeZone } from '../time/zone.ts';

export interface WeekRange {
  /** `2026-W48`. */
  label: string;
  startMs: number;
  endMs: number;
}

/** The ISO week containing `atMs`, in UTC. */
export function isoWeekOf(atMs: number): WeekRange {
  const date = new Date(atMs);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday = 0
  const startMs = dayStart - weekday * DAY_MS;
  // The ISO year is the year of the week's Thursday.
  const thursday = new Date(startMs + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan4 = Date.UTC(year, 0, 4);
  const week1Start = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const week = Math.round((startMs - week1Start) / (7 * DAY_MS)) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, startMs, endMs: startMs + 7 * DAY_MS };
}

/** `2026-W48` → its range in UTC; undefined when the label is not a real ISO week. */
export function parseIsoWeek(label: string): WeekRange | undefined {
  const m = /^(\d{4})-?W(\d{1,2})$/i.exec(label.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const week = Number(m[2]);
  const jan4 = Date.UTC(year, 0, 4);
  const week1Start = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const range = isoWeekOf(week1Start + (week - 1) * 7 * DAY_MS);
  return range.label === `${year}-W${String(week).padStart(2, '0')}` ? range : undefined;
}

export const UTC = 'UTC';

/**
 * The first instant of the local calendar day whose midnight, written as UTC, is
 * `wallDayMs`: when midnight happens twice (a fall-back) the earlier; when the
 * clock skips midnight (a spring-forward at 00:00) the moment of the change.
 */
function startOfLocalDay(wallDayMs: number, timeZone: string): number {
  return localDayStartMs(Math.round(wallDayMs / DAY_MS), timeZone);
}

/** The local date in `timeZone` at `atMs`, as UTC midnight of that date. */
function wallDay(atMs: number, timeZone: string): number {
  return localDayNumber(atMs, timeZone) * DAY_MS;
}

/** `wallDayMs` (a UTC midnight standing for a calendar date) as `YYYY-MM-DD`. */
function dayKey(wallDayMs: number): string {
  return new Date(wallDayMs).toISOString().slice(0, 10);
}

/**
 * The ISO week containing `atMs` in `timeZone`: from Monday 00:00 local time to
 * the next Monday 00:00, so 167 or 169 hours when the clocks change that week.
 * Throws RangeError for an unknown zone (check with `isTimeZone`).
 */
export function isoWeekIn(atMs: number, timeZone: string = UTC): WeekRange {
  if (timeZone === UTC) return isoWeekOf(atMs);
  const day = wallDay(atMs, timeZone);
  const monday = isoWeekOf(day).startMs; // calendar arithmetic on the local date
  return weekFromMonday(isoWeekOf(monday).label, monday, timeZone);
}

/** `2026-W48` → its range in `timeZone`; undefined when the label is not a real ISO week. Throws RangeError for an unknown zone. */
export function parseIsoWeekIn(label: string, timeZone: string = UTC): WeekRange | undefined {
  const utc = parseIsoWeek(label);
  if (!utc || timeZone === UTC) return utc;
  return weekFromMonday(utc.label, utc.startMs, timeZone);
}

function weekFromMonday(label: string, mondayWallMs: number, timeZone: string): WeekRange {
  return {
    label,
    startMs: startOfLocalDay(mondayWallMs, timeZone),
    endMs: startOfLocalDay(mondayWallMs + 7 * DAY_MS, timeZone),
  };
}

/** The local calendar day in `timeZone` at `ms`, `YYYY-MM-DD`, for daily buckets. */
export function localDayKey(ms: number, timeZone: string = UTC): string {
  return dayKey(wallDay(ms, timeZone));
}

/** The seven local days of a week, Monday first, `YYYY-MM-DD` (they follow from the label alone). */
export function weekDayKeys(week: WeekRange): string[] {
  const monday = parseIsoWeek(week.label)?.startMs ?? week.startMs;
  return Array.from({ length: 7 }, (_, i) => dayKey(monday + i * DAY_MS));
}
