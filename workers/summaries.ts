import { type Job, Worker } from 'bullmq';
import type { Logger } from '../src/log.ts';
import type { ChannelPost } from '../src/pipeline.ts';
import { QUEUES } from '../src/queue/jobs.ts';
import { workerConnection } from '../src/queue/redis.ts';
import { chartSpec, renderChartPng } from '../src/spend/chart.ts';
import { summaryReply } from '../src/spend/summary-present.ts';
import type { SummaryJobData, TeamService } from '../src/team/service.ts';
import type { TeamSettingsStore } from '../src/team/settings.ts';

export interface SummaryWorkerOptions {
  redisUrl: string;
  prefix: string;
  teams: TeamService;
  settings: TeamSettingsStore;
  post: ChannelPost;
  log: Logger;
}

/**
 * Posts each team's weekly summary when its job scheduler fires: the week that
 * has just ended in the team's time zone, with the chart attached. At most once
 * per team and week, whatever the retries, restarts or extra schedulers.
 */
export function startSummaryWorker(options: SummaryWorkerOptions): { worker: Worker; close: () => Promise<void> } {
  const { log } = options;
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<SummaryJobData>(
    QUEUES.summaries,
    async (job: Job<SummaryJobData>) => {
      const { team } = job.data;
      const settings = await options.settings.get(team);
      if (!settings.summaryChannel || !settings.summaryPlatform) return 'no channel';
      const { week } = await options.teams.week(team, 'last');
      const key = `summary:${encodeURIComponent(team)}:${week.label}`;
      if (!(await options.settings.once(key, 60 * 86_400))) return 'already posted';
      try {
        const summary = await options.teams.summary(team, week.label);
        const png = await renderChartPng(chartSpec(summary));
        await options.post(settings.summaryPlatform, settings.summaryChannel, summaryReply(summary, png));
        log.info('weekly summary posted', { team, week: week.label });
        return 'posted';
      } catch (error) {
        // Not posted: let a retry (or the next run) post it.
        await options.settings.forget(key);
        throw error;
      }
    },
    { connection, prefix: options.prefix, concurrency: 2 },
  );
  worker.on('error', (error) => log.error('summaries worker error', { error }));
  worker.on('failed', (job, error) => log.error('weekly summary failed', { team: job?.data.team, error }));
  return {
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}
