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
  /** After an answer is delivered (e.g. the budget's 80 % warning); its failure is logged, not retried. */
  afterDelivery?: (data: ReplyJobData) => Promise<void>;
}

/** The bot's worker on the replies queue: delivers each finished answer once. */
export function startReplyWorker(options: ReplyWorkerOptions): {
  worker: Worker<ReplyJobData>;
  close: () => Promise<void>;
} {
  const { log } = options;
  const connection = workerConnection(options.redisUrl);
  const deliver = async (data: ReplyJobData): Promise<'delivered' | 'posted'> => {
    const handle = options.takeHandle(data.askJobId);
    if (handle) {
      try {
        await handle(answerReply(data));
        return 'delivered';
      } catch (error) {
        log.warn('reply handle failed, posting to the channel', { jobId: data.askJobId, team: data.team, error });
      }
    }
    await options.deliverOrphan(data);
    return 'posted';
  };
  const worker = new Worker<ReplyJobData>(
    QUEUES.replies,
    async (job: Job<ReplyJobData>) => {
      const outcome = await deliver(job.data);
      await options
        .afterDelivery?.(job.data)
        .catch((error) =>
          log.error('after-delivery step failed', { jobId: job.data.askJobId, team: job.data.team, error }),
        );
      return outcome;
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
