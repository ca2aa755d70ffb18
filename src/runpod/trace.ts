/**
 * Request traces for the pod simulator: the JSONL format (one request a line,
 * `{"at": ISO-8601, "team", "user", "route", "promptTokens", "completionTokens"}`)
 * and a seeded generator of a small team's weeks, so that policies are compared on
 * the same reproducible load.
 */
import { UserError } from '../errors.ts';
import { assertTimeZone, DAY_MS, localTime, localToEpochMs, MINUTE_MS } from './schedule.ts';

/** One request as the simulator replays it. Only route `maverick` reaches the pod. */
export interface TraceRequest {
  atMs: number;
  team: string;
  user: string;
  route: string;
  promptTokens: number;
  completionTokens: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parse a JSONL trace; blank lines are skipped; a bad line throws UserError naming its number. */
export function parseTrace(text: string): TraceRequest[] {
  const out: TraceRequest[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    out.push(parseLine(line, index + 1));
  });
  return out;
}

function parseLine(line: string, lineNumber: number): TraceRequest {
  const bad = (why: string) => new UserError(`trace line ${lineNumber}: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected a JSON object');
  const r = value as Record<string, unknown>;
  const at = r.at;
  if (typeof at !== 'string' || !ISO_TIME.test(at) || Number.isNaN(Date.parse(at)))
    throw bad(`"at" must be an ISO-8601 time with a zone, e.g. "2026-11-23T09:15:00Z" (got ${JSON.stringify(at)})`);
  const text = (key: string) => {
    const v = r[key];
    if (typeof v !== 'string' || v === '') throw bad(`"${key}" must be a non-empty string`);
    return v;
  };
  const tokens = (key: string) => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`"${key}" must be a whole number ≥ 0`);
    return v;
  };
  return {
    atMs: Date.parse(at),
    team: text('team'),
    user: text('user'),
    route: text('route'),
    promptTokens: tokens('promptTokens'),
    completionTokens: tokens('completionTokens'),
  };
}

/** The trace as JSONL, one line per request, times in UTC. */
export function toJsonl(trace: readonly TraceRequest[]): string {
  return trace
    .map((r) =>
      JSON.stringify({
        at: new Date(r.atMs).toISOString(),
        team: r.team,
        user: r.user,
        route: r.route,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
      }),
    )
    .join('\n')
    .concat(trace.length > 0 ? '\n' : '');
}

/** mulberry32: a tiny seeded PRNG (uniform in [0, 1)); plenty for load generation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TraceOptions {
  seed: number;
  /** People using Maverick (default 5). */
  teamSize?: number;
  /** Any day of the first week (YYYY-MM-DD); the trace starts that week's Monday 00:00 local (default 2026-11-16). */
  week?: string;
  weeks?: number;
  /** IANA zone the team works in (default Europe/Berlin). */
  timeZone?: string;
  /** Multiplies every session rate (default 1). */
  intensity?: number;
  team?: string;
}

/**
 * The model behind `generateTrace`, per person: a working day that starts around
 * 09:00 (each person has their own habit, ±45 min, plus ±25 min day to day), a
 * lunch break around 12:30 (45–75 min) and an end around 17:30; Maverick sessions
 * start at random while at work (about 1.8 a day), each a few requests 1–6 min
 * apart (reading the answer, asking a follow-up). One weekday a week is busy
 * (sessions ×2.2). A few evening sessions on weekdays, rare weekend ones, and
 * nights are quiet. Prompts ~1.5k tokens, answers ~700 tokens (lognormal): at
 * ~50 tok/s decode a five-person team keeps the GPU busy about an hour a week.
 */
const MODEL = {
  sessionsPerWorkHour: 0.22,
  busyDayFactor: 2.2,
  eveningSessionChance: 0.08,
  weekendSessionChance: 0.07,
  /** Requests per session: 1 + geometric with this continuation chance (mean ≈ 3.5). */
  sessionContinue: 0.72,
  gapMedianMinutes: 2.5,
  gapSigma: 0.55,
  promptMedianTokens: 1500,
  completionMedianTokens: 700,
} as const;

/** A seeded, realistic trace of a small team's weeks (model above), sorted by time. */
export function generateTrace(options: TraceOptions): TraceRequest[] {
  const teamSize = options.teamSize ?? 5;
  const weeks = options.weeks ?? 1;
  const timeZone = options.timeZone ?? 'Europe/Berlin';
  const intensity = options.intensity ?? 1;
  const team = options.team ?? 'team';
  assertTimeZone(timeZone);
  if (!Number.isInteger(teamSize) || teamSize < 1) throw new UserError('team size must be a whole number ≥ 1');
  if (!Number.isInteger(weeks) || weeks < 1) throw new UserError('weeks must be a whole number ≥ 1');
  if (!(intensity > 0)) throw new UserError('intensity must be > 0');
  const monday = mondayOf(options.week ?? '2026-11-16');
  const random = mulberry32(options.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lognormal = (median: number, sigma: number) => median * Math.exp(sigma * normal());
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const users = Array.from({ length: teamSize }, (_, i) => ({
    name: `user${i + 1}`,
    startMinute: 9 * 60 + 45 * normal(),
    endMinute: 17.5 * 60 + 40 * normal(),
    rate: MODEL.sessionsPerWorkHour * intensity * Math.exp(0.35 * normal()),
  }));
  const out: TraceRequest[] = [];
  const at = (dayIndex: number, minute: number) =>
    localToEpochMs(monday.year, monday.month, monday.day + dayIndex, minute, timeZone);
  const session = (user: string, startMs: number) => {
    let t = startMs;
    do {
      out.push({
        atMs: Math.round(t / 1000) * 1000,
        team,
        user,
        route: 'maverick',
        promptTokens: Math.round(Math.min(16_000, lognormal(MODEL.promptMedianTokens, 0.8))),
        completionTokens: Math.round(Math.min(4000, Math.max(30, lognormal(MODEL.completionMedianTokens, 0.6)))),
      });
      t += lognormal(MODEL.gapMedianMinutes, MODEL.gapSigma) * MINUTE_MS;
    } while (random() < MODEL.sessionContinue);
  };
  /** Poisson session starts at `rate` per hour over local minutes [from, to) of a day. */
  const sessions = (user: string, day: number, from: number, to: number, rate: number) => {
    for (let m = from + (-Math.log(1 - random()) * 60) / rate; m < to; m += (-Math.log(1 - random()) * 60) / rate) {
      session(user, at(day, m));
    }
  };
  for (let week = 0; week < weeks; week++) {
    const busyDay = Math.floor(random() * 5);
    for (let weekday = 0; weekday < 7; weekday++) {
      const day = week * 7 + weekday;
      for (const u of users) {
        if (weekday >= 5) {
          if (random() < MODEL.weekendSessionChance * intensity) session(u.name, at(day, uniform(10 * 60, 21 * 60)));
          continue;
        }
        const rate = u.rate * (weekday === busyDay ? MODEL.busyDayFactor : 1);
        const start = u.startMinute + 25 * normal();
        const end = Math.max(start + 4 * 60, u.endMinute + 25 * normal());
        const lunch = 12.5 * 60 + 15 * normal();
        const lunchEnd = lunch + uniform(45, 75);
        sessions(u.name, day, start, lunch, rate);
        sessions(u.name, day, lunchEnd, end, rate);
        if (random() < MODEL.eveningSessionChance * intensity) session(u.name, at(day, uniform(19 * 60, 23 * 60)));
      }
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

function mondayOf(date: string): { year: number; month: number; day: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms)) throw new UserError(`week must be a date YYYY-MM-DD (got '${date}')`);
  const t = localTime(ms, 'UTC');
  const monday = new Date(ms - ((t.weekday + 6) % 7) * DAY_MS);
  return { year: monday.getUTCFullYear(), month: monday.getUTCMonth() + 1, day: monday.getUTCDate() };
}
