/**
 * Weekly schedule windows in a team's time zone (the local-time arithmetic is in
 * src/time/zone.ts).
 *
 * Syntax of a schedule: groups separated by `;`, each `DAYS TIMES`.
 * - DAYS: day names Mon Tue Wed Thu Fri Sat Sun (any case), a range `Mon-Fri`
 *   (ranges may wrap: `Fri-Mon` is Fri, Sat, Sun, Mon), or a comma list of both
 *   (`Mon,Wed,Fri`, `Mon-Wed,Sat`).
 * - TIMES: `HH:MM-HH:MM`, a comma list of them; 00:00 ≤ start < end ≤ 24:00.
 *
 * Examples: `Mon-Fri 09:00-18:00`; `Mon-Fri 09:00-12:30, 13:30-18:00; Sat 10:00-14:00`.
 *
 * A window may not cross midnight (`22:00-02:00` is rejected with a hint to write
 * `Mon 22:00-24:00; Tue 00:00-02:00`): every window then lies inside one local
 * day, so a window is "that day's HH:MM to HH:MM" even on a DST change day.
 * Local times that do not exist (the hour skipped in spring) move forward by the
 * gap; local times that occur twice (autumn) mean the first occurrence.
 */
import { UserError } from '../errors.ts';
import { DAY_MS, DAY_NAMES, isTimeZone, localTime, localToEpochMs } from '../time/zone.ts';
import type { ScheduleWindow } from './policy.ts';

// The local-time arithmetic lives in src/time/zone.ts; the pod code imports it from here.
export {
  DAY_MS,
  DAY_NAMES,
  HOUR_MS,
  type LocalTime,
  localDayNumber,
  localDayStartMs,
  localTime,
  localToEpochMs,
  MINUTE_MS,
  utcOffsetMs,
} from '../time/zone.ts';

const SYNTAX = 'e.g. "Mon-Fri 09:00-18:00" or "Mon-Fri 09:00-12:30, 13:30-18:00; Sat 10:00-14:00"';

/** Parse a schedule (syntax in the module comment); throws UserError naming the bad part. */
export function parseWindows(text: string): ScheduleWindow[] {
  const groups = text
    .split(';')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  if (groups.length === 0) throw new UserError(`no schedule windows given (${SYNTAX})`);
  return groups.flatMap((group) => {
    const match = /^([A-Za-z][A-Za-z,\s-]*?)\s+(\d.*)$/.exec(group);
    if (!match) throw new UserError(`schedule window '${group}' needs days then times (${SYNTAX})`);
    const days = parseDays(match[1] ?? '', group);
    return (match[2] ?? '').split(',').map((range) => ({ days, ...parseRange(range.trim(), group) }));
  });
}

function dayIndex(name: string, group: string): number {
  const index = DAY_NAMES.findIndex((d) => d.toLowerCase() === name.trim().toLowerCase());
  if (index < 0) throw new UserError(`unknown day '${name.trim()}' in '${group}' (use ${DAY_NAMES.join(' ')})`);
  return index;
}

function parseDays(text: string, group: string): number[] {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to, extra] = part.split('-');
    if (extra !== undefined || from === undefined) throw new UserError(`bad day range '${part.trim()}' in '${group}'`);
    const first = dayIndex(from, group);
    const last = to === undefined ? first : dayIndex(to, group);
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

function parseMinute(text: string, group: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || minutes > 59 || hours > 24 || (hours === 24 && minutes > 0))
    throw new UserError(`bad time '${text.trim()}' in '${group}' (HH:MM from 00:00 to 24:00)`);
  return hours * 60 + minutes;
}

function parseRange(text: string, group: string): { startMinute: number; endMinute: number } {
  const [start, end, extra] = text.split('-');
  if (start === undefined || end === undefined || extra !== undefined)
    throw new UserError(`bad time range '${text}' in '${group}' (HH:MM-HH:MM)`);
  const startMinute = parseMinute(start, group);
  const endMinute = parseMinute(end, group);
  if (startMinute === 24 * 60) throw new UserError(`a window cannot start at 24:00 ('${text}' in '${group}')`);
  if (endMinute < startMinute)
    throw new UserError(
      `window '${text}' crosses midnight; split it at 24:00, e.g. "Mon 22:00-24:00; Tue 00:00-02:00"`,
    );
  if (endMinute === startMinute) throw new UserError(`window '${text}' in '${group}' is empty`);
  return { startMinute, endMinute };
}

/** The schedule back in the parse syntax, one group per window ("Mon-Fri 09:00-18:00"). */
export function formatWindows(windows: readonly ScheduleWindow[]): string {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return windows.map((w) => `${formatDays(w.days)} ${hhmm(w.startMinute)}-${hhmm(w.endMinute)}`).join('; ');
}

/** Days as a range when they run on (wrapping past Sunday), else a list from Monday. */
function formatDays(days: readonly number[]): string {
  const set = new Set(days);
  const name = (d: number) => DAY_NAMES[d] ?? '?';
  if (set.size === 7) return 'Mon-Sun';
  const first = [...set].find((d) => !set.has((d + 6) % 7));
  if (set.size > 2 && first !== undefined) {
    let last = first;
    while (set.has((last + 1) % 7)) last = (last + 1) % 7;
    if ((last - first + 7) % 7 === set.size - 1) return `${name(first)}-${name(last)}`;
  }
  return [...set]
    .sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7))
    .map(name)
    .join(',');
}

/** Throws UserError unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) {
    throw new UserError(`unknown time zone '${timeZone}' (use an IANA name such as Europe/Berlin or UTC)`);
  }
}

/**
 * The windows as absolute intervals [startMs, endMs) overlapping [fromMs, toMs),
 * sorted by start; overlapping or touching windows are merged.
 */
export function windowIntervals(
  fromMs: number,
  toMs: number,
  windows: readonly ScheduleWindow[],
  timeZone: string,
): [number, number][] {
  const out: [number, number][] = [];
  if (windows.length === 0) return out;
  const first = localTime(fromMs, timeZone);
  // A window lies inside one local day, and local days are 23–25 h long.
  const days = Math.ceil((toMs - fromMs) / DAY_MS) + 1;
  for (let k = -1; k <= days; k++) {
    const weekday = (((first.weekday + k) % 7) + 7) % 7;
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      const start = localToEpochMs(first.year, first.month, first.day + k, w.startMinute, timeZone);
      const end = localToEpochMs(first.year, first.month, first.day + k, w.endMinute, timeZone);
      out.push([start, end]);
    }
  }
  out.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of out) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged.filter(([start, end]) => end > fromMs && start < toMs);
}
