/**
 * Local time in IANA time zones, DST-correct through `Intl.DateTimeFormat` (no
 * time-zone package). Pure. Used by the pod schedule (windows, the policy's
 * rhythm) and by a team's weeks and days (budgets, the weekly summary).
 */

/** Day names, 0 = Sunday as Date#getUTCDay counts. */
export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. Throws RangeError for an unknown zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Offsets are cached per zone and UTC quarter-hour: every zone changes offset on
 * a quarter-hour boundary, and formatToParts costs microseconds while simulations
 * ask millions of times.
 */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER_MS = 15 * MINUTE_MS;

/** Local time minus UTC at instant `ms` in `timeZone`, ms (+3_600_000 for CET). */
export function utcOffsetMs(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsetCache.set(timeZone, zone);
  }
  const bucket = Math.floor(ms / QUARTER_MS);
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const at = bucket * QUARTER_MS;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  const offset = asUtc - at;
  if (zone.size > 200_000) zone.clear();
  zone.set(bucket, offset);
  return offset;
}

/** A wall-clock reading in a time zone. */
export interface LocalTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Minutes since local midnight, fractional. */
  minuteOfDay: number;
}

/** The wall-clock time at instant `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const localMs = ms + utcOffsetMs(ms, timeZone);
  const dayNumber = Math.floor(localMs / DAY_MS);
  const date = new Date(dayNumber * DAY_MS);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    // 1970-01-01 was a Thursday.
    weekday: (((dayNumber + 4) % 7) + 7) % 7,
    minuteOfDay: (localMs - dayNumber * DAY_MS) / MINUTE_MS,
  };
}

/** Days since 1970-01-01 of the local date at `ms` (consecutive local dates differ by 1). */
export function localDayNumber(ms: number, timeZone: string): number {
  return Math.floor((ms + utcOffsetMs(ms, timeZone)) / DAY_MS);
}

/** The instant local day `dayNumber` (localDayNumber) begins in `timeZone`. */
export function localDayStartMs(dayNumber: number, timeZone: string): number {
  const date = new Date(dayNumber * DAY_MS);
  return localToEpochMs(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), 0, timeZone);
}

/**
 * The instant a wall-clock time occurs in `timeZone`. Day overflow is allowed
 * (day 32 is next month's 1st). A skipped local time moves forward by the gap;
 * a repeated one gives its first occurrence.
 */
export function localToEpochMs(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  timeZone: string,
): number {
  const naive = Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE_MS;
  // Offsets a day either side bracket any one transition (zones change at most twice a year).
  const before = naive - utcOffsetMs(naive - DAY_MS, timeZone);
  const after = naive - utcOffsetMs(naive + DAY_MS, timeZone);
  const valid = [before, after].filter((t) => t + utcOffsetMs(t, timeZone) === naive);
  if (valid.length > 0) return Math.min(...valid);
  return Math.max(before, after);
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
