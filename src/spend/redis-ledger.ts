import type { Redis } from 'ioredis';
import type { RunAnswer } from '../runpod/accounting.ts';
import { settingsKey } from '../team/settings.ts';
import type { LedgerEntry } from './ledger-entry.ts';
import { isoWeekIn } from './week.ts';

/**
 * The spend ledger in Redis: one hash per finished job, indexed per team by end
 * time, with running totals per team and user for each of the team's weeks (in
 * its time zone, as /summary set it). Writes are
 * idempotent by job id (a retried or recovered job is never charged twice);
 * teams never see each other's keys. Durable when Redis runs with an
 * append-only file (docker-compose.yml).
 */

// Atomically, only if no entry exists for this job: write the entry, index it by
// end time, add its cost to the team's and the user's totals for its week, and
// (for an answer on a pod) add it to its pod run's index with its cost. An answer
// whose pod run is closed (KEYS[5]: settled, every billed second of it charged)
// is written at no cost, with ARGV[7] as its basis, and left out of the index.
// Returns whether it wrote, the job's charged cost, the two week totals, and
// whether the run was closed.
const RECORD_ONCE = `
local written = 0
local closed = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  local cost = ARGV[4]
  redis.call('HSET', KEYS[1], unpack(ARGV, 8))
  if ARGV[6] ~= '' and redis.call('EXISTS', KEYS[5]) == 1 then
    closed = 1
    cost = '0'
    redis.call('HSET', KEYS[1], 'costUsd', '0', 'gpuSeconds', '0', 'costBasis', ARGV[7])
  end
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
  if ARGV[5] == 'ok' then
    redis.call('HINCRBYFLOAT', KEYS[3], 'team', cost)
    redis.call('HINCRBYFLOAT', KEYS[3], ARGV[3], cost)
    if ARGV[6] ~= '' and closed == 0 then redis.call('ZADD', KEYS[4], cost, ARGV[6]) end
  end
  written = 1
end
return {written, redis.call('HGET', KEYS[1], 'costUsd'), redis.call('HGET', KEYS[3], 'team') or '0', redis.call('HGET', KEYS[3], ARGV[3]) or '0', closed}
`;

/** Name of the script as an ioredis command (EVALSHA, loaded once per connection). */
const RECORD_COMMAND = 'fitbotLedgerRecordOnce';

type RecordOnce = (...args: string[]) => Promise<[number, string | null, string, string, number]>;

/** The basis of an answer that ended after its pod run was settled. */
export const SETTLED_WITH_RUN_BASIS = "settled with the pod's run, which ended before this answer";

/** How long a settled run stays closed to late answers: far longer than any answer runs, s. */
const CLOSED_RUN_TTL_SECONDS = 7 * 86_400;

export interface Recorded {
  /** False when the job was already charged (a retry or a recovered job): nothing was added. */
  written: boolean;
  /** What the ledger holds as this job's cost (the first charge), USD. */
  costUsd: number;
  /** The team's and the user's spend in the entry's week, this job included, USD. */
  teamWeekUsd: number;
  userWeekUsd: number;
  /** Set when the answer's pod run was settled before it finished: its seconds were charged there, so it cost nothing more. */
  settledWithRun?: true;
}

const NUMBER_FIELDS = [
  'gpuCount',
  'startedAtMs',
  'endedAtMs',
  'promptTokens',
  'completionTokens',
  'gpuSeconds',
  'costUsd',
  'idleUsd',
  'idleGpuSeconds',
] as const;

/** Key of a pod run's index: its answers (`team/jobId`) scored by what each was charged. */
export function podRunKey(prefix: string, runId: string): string {
  return `${prefix}:pod-run:${encodeURIComponent(runId)}:answers`;
}

function closedRunKey(prefix: string, runId: string): string {
  return `${prefix}:pod-run:${encodeURIComponent(runId)}:closed`;
}

/** A member of a pod run's index, and back. */
export function runMember(team: string, jobId: string): string {
  return `${encodeURIComponent(team)}/${encodeURIComponent(jobId)}`;
}
export function parseRunMember(member: string): { team: string; jobId: string } {
  const [team = '', jobId = ''] = member.split('/');
  return { team: decodeURIComponent(team), jobId: decodeURIComponent(jobId) };
}

export class RedisLedger {
  private readonly recordOnce: RecordOnce;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    const commands = redis as unknown as Record<string, RecordOnce | undefined>;
    if (!commands[RECORD_COMMAND]) redis.defineCommand(RECORD_COMMAND, { numberOfKeys: 5, lua: RECORD_ONCE });
    this.recordOnce = (commands[RECORD_COMMAND] as RecordOnce).bind(redis);
  }

  /** Team ids come from platforms; encoding keeps `:` and spaces out of key names. */
  private teamKey(team: string): string {
    return `${this.prefix}:ledger:${encodeURIComponent(team)}`;
  }

  private entryKey(team: string, jobId: string): string {
    return `${this.teamKey(team)}:entry:${encodeURIComponent(jobId)}`;
  }

  /** Write the entry unless one exists for this job, and return the totals of the team's week (in its time zone). */
  async record(entry: LedgerEntry): Promise<Recorded> {
    const fields = Object.entries(entry).flatMap(([k, v]) => [k, String(v)]);
    const zone = (await this.redis.hget(settingsKey(this.prefix, entry.team), 'timeZone')) ?? 'UTC';
    const week = isoWeekIn(entry.endedAtMs, zone).label;
    const [written, costUsd, teamWeekUsd, userWeekUsd, closed] = await this.recordOnce(
      this.entryKey(entry.team, entry.jobId),
      `${this.teamKey(entry.team)}:by-end`,
      `${this.teamKey(entry.team)}:week:${week}`,
      podRunKey(this.prefix, entry.podRun ?? 'none'),
      closedRunKey(this.prefix, entry.podRun ?? 'none'),
      String(entry.endedAtMs),
      entry.jobId,
      `user:${entry.userId}`,
      String(entry.costUsd),
      entry.status,
      entry.podRun ? runMember(entry.team, entry.jobId) : '',
      SETTLED_WITH_RUN_BASIS,
      ...fields,
    );
    return {
      written: written === 1,
      costUsd: Number(costUsd ?? entry.costUsd),
      teamWeekUsd: Number(teamWeekUsd),
      userWeekUsd: Number(userWeekUsd),
      ...(closed === 1 ? { settledWithRun: true as const } : {}),
    };
  }

  /**
   * Close a pod run to answers before settling it: one recorded from now on
   * (it outlived the run's drain) is written at no cost, since the settlement
   * charges every billed second of the run already.
   */
  async closeRun(runId: string): Promise<void> {
    await this.redis.set(closedRunKey(this.prefix, runId), '1', 'EX', CLOSED_RUN_TTL_SECONDS);
  }

  async get(team: string, jobId: string): Promise<LedgerEntry | undefined> {
    const hash = await this.redis.hgetall(this.entryKey(team, jobId));
    return Object.keys(hash).length === 0 ? undefined : decode(hash);
  }

  /** The answers a pod run served, as charged when each finished, cheapest first (not in time order). */
  async runAnswers(runId: string): Promise<RunAnswer[]> {
    const members = await this.redis.zrange(podRunKey(this.prefix, runId), '0', '-1');
    const entries = await Promise.all(members.map(parseRunMember).map(({ team, jobId }) => this.get(team, jobId)));
    return entries
      .filter((e): e is LedgerEntry => e !== undefined)
      .map((e) => ({
        team: e.team,
        jobId: e.jobId,
        userId: e.userId,
        userName: e.userName,
        startedAtMs: e.startedAtMs,
        endedAtMs: e.endedAtMs,
        tokens: e.promptTokens + e.completionTokens,
        chargedUsd: e.costUsd,
      }));
  }

  /** How many answers a pod run has served so far and what they were charged, USD, in all and per team. */
  async runCharged(runId: string): Promise<{ answers: number; chargedUsd: number; byTeam: Map<string, number> }> {
    const flat = await this.redis.zrange(podRunKey(this.prefix, runId), '0', '-1', 'WITHSCORES');
    const byTeam = new Map<string, number>();
    let chargedUsd = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const usd = Number(flat[i + 1]);
      const { team } = parseRunMember(flat[i] as string);
      byTeam.set(team, (byTeam.get(team) ?? 0) + usd);
      chargedUsd += usd;
    }
    return { answers: flat.length / 2, chargedUsd, byTeam };
  }

  /** Entries of a team that ended in [fromMs, toMs). */
  async between(team: string, fromMs: number, toMs: number): Promise<LedgerEntry[]> {
    const ids = await this.redis.zrangebyscore(`${this.teamKey(team)}:by-end`, fromMs, `(${toMs}`);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.entryKey(team, id));
    const results = (await pipeline.exec()) ?? [];
    return results
      .map(([error, hash]) => (error ? undefined : (hash as Record<string, string>)))
      .filter((hash): hash is Record<string, string> => hash !== undefined && Object.keys(hash).length > 0)
      .map(decode);
  }
}

function decode(hash: Record<string, string>): LedgerEntry {
  const entry: Record<string, string | number> = { ...hash };
  for (const key of NUMBER_FIELDS) if (hash[key] !== undefined) entry[key] = Number(hash[key]);
  return entry as unknown as LedgerEntry;
}
