import { type Job, Worker } from 'bullmq';
import { answerReply } from '../src/ask/present.ts';
import type { FollowUp } from '../src/command/command.ts';
import type { Logger } from '../src/log.ts';
import { QUEUES, type ReplyJobData } from '../src/queue/jobs.ts';
import { workerConnection } from '../src/queue/redis.ts';

export interface ReplyWorkerOptions {
  redisUrl: string;
  prefix: string;
  log: Logger;
  /** The in-memory reply handle of a job, if this process still has it. */
  takeHandle: (askJobId: string) => FollowUp | undefined;
  /** Deliver without a handle (the bot restarted, or the handle expired): post to the channel, naming the asker. */
  deliverOrphan: (data: ReplyJobData) => Promise<void>;
}

/** The bot's worker on the replies queue: delivers each finished answer once. */
export function startReplyWorker(options: ReplyWorkerOptions): {
  worker: Worker<ReplyJobData>;
  close: () => Promise<void>;
} {
  const { log } = options;
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<ReplyJobData>(
    QUEUES.replies,
    async (job: Job<ReplyJobData>) => {
      const handle = options.takeHandle(job.data.askJobId);
      if (handle) {
        try {
          await handle(answerReply(job.data));
          return 'delivered';
        } catch (error) {
          log.warn('reply handle failed, posting to the channel', {
            jobId: job.data.askJobId,
            team: job.data.team,
            error,
          });
        }
      }
      await options.deliverOrphan(job.data);
      return 'posted';
    },
    { connection, prefix: options.prefix, concurrency: 8 },
  );
  worker.on('error', (error) => log.error('replies worker error', { error }));
  return {
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
