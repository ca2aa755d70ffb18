import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AskPort, AskRequest, FollowUp } from '../command/command.ts';
import type { AskConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import type { PodWait } from '../runpod/present.ts';
import { type AskJobData, askJobId, durationKey, type ModelQueue, QUEUES } from './jobs.ts';

/** When no job has finished recently, an answer is assumed to take this long, ms. */
const DEFAULT_JOB_MS = 20_000;

/** How long a reply handle is kept in memory, ms: longer than any platform's own. */
const HANDLE_TTL_MS = 60 * 60_000;

// Drop asks older than the window; if fewer than the limit remain, count this one (0), else
// return the ms until the oldest leaves the window.
const RATE_LIMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))
`;

/** How long an interaction id is remembered for deduplication: longer than any platform redelivers, s. */
const CLAIM_TTL_SECONDS = 7 * 86_400;

export interface AskQueueOptions {
  connection: Redis;
  prefix: string;
  ask: AskConfig;
  /** Concurrency (server slots) per configured model queue. */
  slots: { scout?: number; maverick?: number };
  maverickMaxWaitSeconds: number;
  /** Set when Maverick runs on a pod that may be stopped or loading. */
  maverickPod?: () => Promise<PodWait>;
  /** Called after a job is queued (a pod controller in this process looks at once). */
  onQueued?: (target: ModelQueue) => void;
  now: () => number;
}

/**
 * The bot's side of /ask on BullMQ: one job per platform interaction (its id
 * derives from the interaction, so a command delivered twice runs once), retries
 * with exponential backoff, and the reply handles kept in memory, never in Redis.
 */
export class AskQueue implements AskPort {
  readonly configured: { scout: boolean; maverick: boolean };
  private readonly queues = new Map<ModelQueue, Queue<AskJobData>>();
  /** Reply handles by job id, with when they were registered (ms). */
  private readonly handles = new Map<string, { followUp: FollowUp; atMs: number }>();

  constructor(private readonly options: AskQueueOptions) {
    this.configured = { scout: options.slots.scout !== undefined, maverick: options.slots.maverick !== undefined };
    for (const name of [QUEUES.scout, QUEUES.maverick] as const) {
      if (options.slots[name] !== undefined) {
        const queue = new Queue<AskJobData>(name, { connection: options.connection, prefix: options.prefix });
        // A lost connection surfaces on the operation that needs it (a clear UserError); without a
        // listener BullMQ would print every reconnect attempt to stderr.
        queue.on('error', () => {});
        this.queues.set(name, queue);
      }
    }
  }

  /** The model queues, for the operations dashboard and queue metrics. */
  get bullQueues(): Queue<AskJobData>[] {
    return [...this.queues.values()];
  }

  /** The follow-up registered for a job, removed: each answer is delivered once. */
  takeHandle(jobId: string): FollowUp | undefined {
    const handle = this.handles.get(jobId);
    this.handles.delete(jobId);
    return handle?.followUp;
  }

  /**
   * The wait until a job with `jobsBefore` jobs ahead of it finishes, s: the
   * server's slots work through the queue in rounds of the last job's duration.
   */
  private async etaSeconds(name: ModelQueue, jobsBefore: number): Promise<number> {
    const avg = await this.options.connection.get(durationKey(this.options.prefix, name));
    const jobMs = Number(avg) > 0 ? Number(avg) : DEFAULT_JOB_MS;
    const slots = this.options.slots[name] ?? 1;
    return Math.ceil(((Math.floor(jobsBefore / slots) + 1) * jobMs) / 1000);
  }

  /** Jobs waiting or running on a queue. */
  private async jobs(queue: Queue<AskJobData>): Promise<number> {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async maverickWait(): Promise<{ expectedWaitSeconds: number; maxWaitSeconds: number }> {
    const queue = this.queues.get('maverick');
    if (!queue)
      return { expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: this.options.maverickMaxWaitSeconds };
    const expectedWaitSeconds = await this.reach(async () => this.etaSeconds('maverick', await this.jobs(queue)));
    const pod = await this.podWait();
    return {
      expectedWaitSeconds: expectedWaitSeconds + pod.seconds,
      maxWaitSeconds: this.options.maverickMaxWaitSeconds,
      ...(pod.paused ? { paused: pod.paused } : {}),
    };
  }

  private async podWait(): Promise<PodWait> {
    return this.options.maverickPod ? this.reach(this.options.maverickPod) : { seconds: 0 };
  }

  async submit(request: AskRequest, followUp: FollowUp) {
    const queue = this.queues.get(request.target);
    if (!queue)
      throw new UserError(`${request.target === 'scout' ? 'Scout' : 'Maverick'} is not configured on this bot`);
    const pod = request.target === 'maverick' ? await this.podWait() : { seconds: 0 };
    if (pod.paused) throw new UserError(`Maverick is paused: ${pod.paused}. Ask again with model:scout.`);
    const jobId = askJobId(request.platform, request.interactionId);
    // Claim the interaction atomically: of two deliveries racing here, one wins.
    const claimKey = `${this.options.prefix}:ask-claim:${jobId}`;
    const claimed = await this.reach(() => this.options.connection.set(claimKey, '1', 'EX', CLAIM_TTL_SECONDS, 'NX'));
    if (claimed !== 'OK') return { duplicate: true, position: 0, etaSeconds: 0 };
    const waitSeconds = await this.reach(() => this.rateLimit(request.team, request.userId));
    if (waitSeconds > 0) {
      await this.options.connection.del(claimKey).catch(() => {});
      const { userRateLimit, userRateWindowSeconds } = this.options.ask;
      throw new UserError(
        `you have asked ${userRateLimit} times in the last ${userRateWindowSeconds >= 120 ? `${Math.round(userRateWindowSeconds / 60)} min` : `${userRateWindowSeconds} s`}, the most allowed — try again in ${waitSeconds} s.`,
      );
    }
    this.forgetStaleHandles();
    this.handles.set(jobId, { followUp, atMs: this.options.now() });
    const { ask } = this.options;
    try {
      const data: AskJobData = {
        team: request.team,
        platform: request.platform,
        userId: request.userId,
        userName: request.userName,
        ...(request.channel ? { channel: request.channel } : {}),
        prompt: request.prompt,
        target: request.target,
        routeReason: request.routeReason,
        enqueuedAtMs: this.options.now(),
      };
      await this.reach(() =>
        queue.add('ask', data, {
          jobId,
          attempts: ask.attempts,
          backoff: { type: 'exponential', delay: ask.backoffMs },
          removeOnComplete: { age: 86_400 },
          removeOnFail: { age: 7 * 86_400 },
        }),
      );
    } catch (error) {
      this.handles.delete(jobId);
      await this.options.connection.del(claimKey).catch(() => {});
      throw error;
    }
    this.options.onQueued?.(request.target);
    // Counted after the add, so the count includes this job.
    const position = Math.max(1, await this.reach(() => this.jobs(queue)));
    const etaSeconds = await this.reach(() => this.etaSeconds(request.target, position - 1));
    return {
      duplicate: false,
      position,
      etaSeconds: etaSeconds + pod.seconds,
      ...(pod.line ? { note: pod.line } : {}),
    };
  }

  /**
   * A sliding window per user: counts this ask if it is allowed and returns 0,
   * else the seconds until the oldest ask in the window leaves it.
   */
  private async rateLimit(team: string, userId: string): Promise<number> {
    const key = `${this.options.prefix}:rate:${encodeURIComponent(team)}:${encodeURIComponent(userId)}`;
    const now = this.options.now();
    const { userRateLimit, userRateWindowSeconds } = this.options.ask;
    const result = (await this.options.connection.eval(
      RATE_LIMIT,
      1,
      key,
      String(now),
      String(userRateWindowSeconds * 1000),
      String(userRateLimit),
      randomUUID(),
    )) as number;
    return result <= 0 ? 0 : Math.ceil(result / 1000);
  }

  /**
   * Handles older than HANDLE_TTL_MS are dropped: every platform's handle has
   * expired by then (Discord 15 min, Slack 30 min), and an answer that still
   * comes is posted to the channel for the asker, as after a restart.
   */
  private forgetStaleHandles(): void {
    const cutoff = this.options.now() - HANDLE_TTL_MS;
    for (const [id, handle] of this.handles) if (handle.atMs < cutoff) this.handles.delete(id);
  }

  /** Redis errors become one clear UserError at once instead of a hang. */
  private async reach<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(
        'the job queue (Redis) is not reachable right now — /ask is unavailable; /fit still works. Try again shortly.',
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
