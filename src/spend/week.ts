/**
 * ISO weeks (Monday to Monday), in UTC or in an IANA time zone. Pure: callers
 * pass the time in. Zone arithmetic uses `Intl.DateTimeFormat` only, so a week
 * containing a DST change is 167 or 169 hours long.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. Throws RangeError for an unknown zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall-clock time in `timeZone` at `atMs`, written as if it were UTC
 * (Berlin 01:00 CET on 1 Jan → `Date.UTC(…, 0, 1, 1)`).
 */
function wallClockMs(atMs: number, timeZone: string): number {
  const part: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(atMs)) {
    if (p.type !== 'literal') part[p.type] = Number(p.value);
  }
  const ms = ((atMs % 1000) + 1000) % 1000;
  return (
    Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day ?? 1, part.hour ?? 0, part.minute ?? 0, part.second ?? 0) +
    ms
  );
}

/** UTC offset of `timeZone` at `atMs`, ms (Berlin in summer: +7 200 000). */
function offsetMs(atMs: number, timeZone: string): number {
  return wallClockMs(atMs, timeZone) - atMs;
}

/**
 * The first instant of the local calendar day whose midnight, written as UTC, is
 * `wallDayMs`. When midnight happens twice (a fall-back at 01:00 to 00:00) the
 * earlier; when the clock skips midnight (a spring-forward at 00:00) the moment
 * of the change, the first instant that day exists.
 */
function startOfLocalDay(wallDayMs: number, timeZone: string): number {
  // Offsets in force on either side of the day: a zone changes at most once a day.
  const offsets = [offsetMs(wallDayMs - DAY_MS, timeZone), offsetMs(wallDayMs + DAY_MS, timeZone)];
  const exact = offsets.map((o) => wallDayMs - o).filter((t) => wallClockMs(t, timeZone) === wallDayMs);
  if (exact.length > 0) return Math.min(...exact);
  // Midnight was skipped: search for the first instant whose wall clock is on this day.
  let lo = wallDayMs - Math.max(...offsets); // still the day before
  let hi = wallDayMs - Math.min(...offsets); // already this day
  if (wallClockMs(lo, timeZone) >= wallDayMs) return lo;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClockMs(mid, timeZone) >= wallDayMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The local date in `timeZone` at `atMs`, as UTC midnight of that date. */
function wallDay(atMs: number, timeZone: string): number {
  const wall = wallClockMs(atMs, timeZone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
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

/** A week's length in hours: 168, or 167/169 across a DST change. */
export function weekHours(week: WeekRange): number {
  return (week.endMs - week.startMs) / HOUR_MS;
}
