import type { Redis } from 'ioredis';
import type { PodState } from './policy.ts';

/**
 * The pod's state as every fitbot process sees it, in Redis: what the
 * controller holding the lock last did, the run being billed, and the history
 * the policy and the spend guard need. Keys live under
 * `<prefix>:pod:<configured pod id>`.
 */

export interface PodStatus {
  state: PodState | 'stopping';
  sinceMs: number;
  /** The RunPod id in use (differs from the configured one after a recreate). */
  podId: string;
  /** The model server's base URL for that pod. */
  baseUrl: string;
  /** The run being billed: from resume to stop. */
  runId?: string;
  runStartedAtMs?: number;
  readyAtMs?: number;
  /** When the stop call went to RunPod (a crash after it still ends the run there). */
  stopRequestedAtMs?: number;
  /** The run's end as settled (stored first, so a redone settlement uses the same). */
  runEndedAtMs?: number;
  /** Why the pod is in this state, for logs and the users waiting. */
  note?: string;
  /** Set while the spend guard holds the pod stopped. */
  capped?: string;
  /** No start before this (after a failed boot), ms. */
  coolDownUntilMs?: number;
}

const NUMBERS = [
  'sinceMs',
  'runStartedAtMs',
  'readyAtMs',
  'stopRequestedAtMs',
  'runEndedAtMs',
  'coolDownUntilMs',
] as const;

// Take the lock, or keep it if this owner holds it.
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;
// Replace the status only while this owner holds the lock: a controller whose lock lapsed writes nothing.
const SET_STATUS_AS_HOLDER = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`;
const HOLDS = `return redis.call('GET', KEYS[1]) == ARGV[1] and 1 or 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** How long arrivals are kept for the policy to learn from, ms. */
const ARRIVAL_HISTORY_MS = 28 * 86_400_000;

export class PodStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    configuredPodId: string,
  ) {
    this.base = `${prefix}:pod:${encodeURIComponent(configuredPodId)}`;
  }

  async status(): Promise<PodStatus | undefined> {
    const hash = await this.redis.hgetall(`${this.base}:status`);
    if (!hash.state || !hash.podId) return undefined;
    const status: Record<string, string | number> = { ...hash };
    for (const key of NUMBERS) if (hash[key] !== undefined) status[key] = Number(hash[key]);
    return status as unknown as PodStatus;
  }

  /** Replace the status (fields left out are removed) if `owner` holds the lock, atomically; false (nothing written) if not. */
  async setStatusAsHolder(owner: string, status: PodStatus): Promise<boolean> {
    const fields = Object.entries(status).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    const written = await this.redis.eval(
      SET_STATUS_AS_HOLDER,
      2,
      `${this.base}:status`,
      `${this.base}:lock`,
      owner,
      ...fields,
    );
    return written === 1;
  }

  /** Whether `owner` holds the controller lock now (without renewing it). */
  async holds(owner: string): Promise<boolean> {
    return (await this.redis.eval(HOLDS, 1, `${this.base}:lock`, owner)) === 1;
  }

  /** Take or renew the controller lock for ttlMs; false when another controller holds it. */
  async acquire(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, `${this.base}:lock`, owner, String(Math.ceil(ttlMs)))) === 1;
  }

  async release(owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.base}:lock`, owner);
  }

  /** Remember an arrival once (by job id); false if it was already known. */
  async recordArrival(jobId: string, atMs: number): Promise<boolean> {
    const added = await this.redis.zadd(`${this.base}:arrivals`, 'NX', atMs, jobId);
    if (added === 1)
      await this.redis.zremrangebyscore(`${this.base}:arrivals`, '-inf', `(${atMs - ARRIVAL_HISTORY_MS}`);
    return added === 1;
  }

  async arrivalsSince(fromMs: number): Promise<number[]> {
    const flat = await this.redis.zrangebyscore(`${this.base}:arrivals`, fromMs, '+inf', 'WITHSCORES');
    return flat.filter((_, i) => i % 2 === 1).map(Number);
  }

  /** A finished run's billed span, for the spend guard (once per run, however often it is settled). */
  async recordRun(runId: string, startedAtMs: number, endedAtMs: number): Promise<void> {
    await this.redis
      .multi()
      .hset(`${this.base}:run-spans`, runId, `${startedAtMs}|${endedAtMs}`)
      .zadd(`${this.base}:runs`, endedAtMs, runId)
      .exec();
  }

  /** When the latest finished run ended, ms; undefined before the first. */
  async lastRunEndMs(): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(`${this.base}:runs`, '0', '0', 'REV', 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  /** Pod-seconds billed within [fromMs, toMs) by finished runs. */
  async billedSecondsBetween(fromMs: number, toMs: number): Promise<number> {
    const ids = await this.redis.zrangebyscore(`${this.base}:runs`, fromMs, '+inf');
    if (ids.length === 0) return 0;
    const spans = await this.redis.hmget(`${this.base}:run-spans`, ...ids);
    return spans.reduce((sum, span) => {
      const [start = 0, end = 0] = (span ?? '0|0').split('|').map(Number);
      return sum + Math.max(0, Math.min(end, toMs) - Math.max(start, fromMs)) / 1000;
    }, 0);
  }

  /** A pod a recreate replaced: to terminate, kept here until RunPod has taken the terminate (a crash included). */
  async markForTermination(podId: string): Promise<void> {
    await this.redis.sadd(`${this.base}:to-terminate`, podId);
  }

  async podsToTerminate(): Promise<string[]> {
    return this.redis.smembers(`${this.base}:to-terminate`);
  }

  async terminated(podId: string): Promise<void> {
    await this.redis.srem(`${this.base}:to-terminate`, podId);
  }

  /**
   * A recreate whose call failed without an answer (RunPod may have created the
   * pod): its pod's name, to be looked for until resolved.
   */
  async addFailedRecreate(name: string, fromPodId: string, atMs: number): Promise<void> {
    await this.redis.hset(`${this.base}:failed-recreates`, name, JSON.stringify({ fromPodId, sinceMs: atMs }));
  }

  async failedRecreates(): Promise<{ name: string; fromPodId: string; sinceMs: number }[]> {
    const hash = await this.redis.hgetall(`${this.base}:failed-recreates`);
    return Object.entries(hash).map(([name, json]) => ({
      name,
      ...(JSON.parse(json) as { fromPodId: string; sinceMs: number }),
    }));
  }

  async failedRecreateResolved(name: string): Promise<void> {
    await this.redis.hdel(`${this.base}:failed-recreates`, name);
  }

  /** The team the pod served last: it pays for a run that served nobody. */
  async lastTeam(): Promise<string | undefined> {
    return (await this.redis.get(`${this.base}:last-team`)) ?? undefined;
  }

  async setLastTeam(team: string): Promise<void> {
    await this.redis.set(`${this.base}:last-team`, team);
  }
}
