/**
 * ISO weeks (Monday to Monday) in UTC. Pure: callers pass the time in.
 */

const DAY_MS = 86_400_000;

export interface WeekRange {
  /** `2026-W48`. */
  label: string;
  startMs: number;
  endMs: number;
}

/** The ISO week containing `atMs`. */
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

/** `2026-W48` → its range; undefined when the label is not a real ISO week. */
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
