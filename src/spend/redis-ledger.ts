import type { Redis } from 'ioredis';
import type { LedgerEntry } from './ledger-entry.ts';

/**
 * The spend ledger in Redis: one hash per finished job, indexed per team by end
 * time. Writes are idempotent by job id (a retried or recovered job is never
 * charged twice); teams never see each other's keys. Durable when Redis runs with
 * an append-only file (docker-compose.yml).
 */

// Atomically: write the entry and index it only if no entry exists for this job.
const RECORD_ONCE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

const NUMBER_FIELDS = [
  'gpuCount',
  'startedAtMs',
  'endedAtMs',
  'promptTokens',
  'completionTokens',
  'gpuSeconds',
  'costUsd',
] as const;

export class RedisLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Team ids come from platforms; encoding keeps `:` and spaces out of key names. */
  private teamKey(team: string): string {
    return `${this.prefix}:ledger:${encodeURIComponent(team)}`;
  }

  private entryKey(team: string, jobId: string): string {
    return `${this.teamKey(team)}:entry:${encodeURIComponent(jobId)}`;
  }

  /** Write the entry unless one exists for this job; true when this call wrote it. */
  async record(entry: LedgerEntry): Promise<boolean> {
    const fields = Object.entries(entry).flatMap(([k, v]) => [k, String(v)]);
    const written = await this.redis.eval(
      RECORD_ONCE,
      2,
      this.entryKey(entry.team, entry.jobId),
      `${this.teamKey(entry.team)}:by-end`,
      String(entry.endedAtMs),
      entry.jobId,
      ...fields,
    );
    return written === 1;
  }

  async get(team: string, jobId: string): Promise<LedgerEntry | undefined> {
    const hash = await this.redis.hgetall(this.entryKey(team, jobId));
    return Object.keys(hash).length === 0 ? undefined : decode(hash);
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
  for (const key of NUMBER_FIELDS) entry[key] = Number(hash[key] ?? 0);
  return entry as unknown as LedgerEntry;
}
