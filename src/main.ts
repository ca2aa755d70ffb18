import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { commands } from '../commands/index.ts';
import { runConsoleChat } from './adapters/console/chat.ts';
import { toText } from './adapters/console/render.ts';
import { type DiscordAdapter, startDiscord } from './adapters/discord/bot.ts';
import { type SlackAdapter, startSlack } from './adapters/slack/app.ts';
import { dispatchOptions, fitServices } from './app.ts';
import { orphanReply } from './ask/present.ts';
import type { ContextFactory } from './command/command.ts';
import { type Config, readConfig } from './config.ts';
import { isUserError } from './errors.ts';
import { createLogger, type Logger, scrubText } from './log.ts';
import { createMetrics } from './ops/metrics.ts';
import { startOps } from './ops/start.ts';
import { type ChannelPost, type Pipeline, startPipeline } from './pipeline.ts';
import type { ReplyJobData } from './queue/jobs.ts';

function localUser(config: Config): string {
  try {
    return config.consoleUser === 'console-user' ? userInfo().username : config.consoleUser;
  } catch {
    return config.consoleUser;
  }
}

/** How long the console waits for one /ask answer: a pod's boot, then every try timing out, plus backoff, ms. */
function followUpTimeoutMs(config: Config): number {
  const { attempts, timeoutMs, backoffMs } = config.ask;
  const boot = config.maverick?.pod?.healthTimeoutMs ?? 0;
  return boot + attempts * (2 * timeoutMs) + backoffMs * 2 ** attempts;
}

interface Adapters {
  discord?: DiscordAdapter;
  slack?: SlackAdapter;
}

/** Deliver an answer whose reply handle is gone through the platform it came from. */
function orphanDelivery(adapters: Adapters, log: Logger) {
  return async (data: ReplyJobData) => {
    if (data.platform === 'discord' && adapters.discord) return adapters.discord.deliverOrphan(data);
    if (data.platform === 'slack' && adapters.slack) return adapters.slack.deliverOrphan(data);
    if (data.platform === 'console') {
      process.stdout.write(`${toText(orphanReply(data, `@${data.userName}`))}\n\n`);
      return;
    }
    log.warn('answer for a platform not running here', {
      platform: data.platform,
      jobId: data.askJobId,
      team: data.team,
    });
  };
}

/** Post to a team's channel on the platform it lives on. */
function channelPost(adapters: Adapters): ChannelPost {
  return async (platform, channel, reply) => {
    if (platform === 'discord' && adapters.discord) return adapters.discord.post(channel, reply);
    if (platform === 'slack' && adapters.slack) return adapters.slack.post(channel, reply);
    if (platform === 'console') {
      process.stdout.write(`${toText(reply)}\n\n`);
      return;
    }
    // A failure, not a warning: the weekly summary then stays unposted (and is tried again), not marked as sent.
    throw new Error(`no ${platform} adapter runs in this process to post to channel ${channel}`);
  };
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

/**
 * `npm start`: fitbot with the /ask pipeline (Redis, queues, the model workers
 * that are configured, all in this process) on each platform whose tokens are set
 * — or, with none, the console chat on stdin/stdout.
 */
export async function start(): Promise<number> {
  const config = readConfig(); // a ConfigError reaches the CLI's boundary: exit 78 naming every bad variable
  const log = createLogger(config.logLevel);
  let fit: ReturnType<typeof fitServices>;
  try {
    fit = fitServices(config, config.catalogFile);
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`FITBOT_CATALOG: ${error.message}\n`);
      return 78;
    }
    throw error;
  }
  const adapters: Adapters = {};
  const metrics = createMetrics();
  const pipeline: Pipeline = await startPipeline({
    config,
    catalog: fit.catalog,
    log,
    workers: config.workers,
    deliverOrphan: orphanDelivery(adapters, log),
    post: channelPost(adapters),
    metrics,
  });
  // The one-shot console chat reading a pipe has nothing to watch; everything else serves OPS_PORT.
  const oneShot = !config.discord && !config.slack && !process.stdin.isTTY;
  const ops = oneShot
    ? undefined
    : await startOps(config, { ...(pipeline.ops ?? { queues: [], workers: [] }), countQueues: true }, metrics, log);
  if (pipeline.unavailable) process.stderr.write(`fitbot: ${scrubText(pipeline.unavailable)}\n`);
  const makeContext: ContextFactory = (interaction) => ({
    ...interaction,
    now: new Date(),
    fit,
    ...(pipeline.ask ? { ask: pipeline.ask } : {}),
    ...(pipeline.spend ? { spend: pipeline.spend } : {}),
    ...(pipeline.teams ? { teams: pipeline.teams, budget: pipeline.teams } : {}),
    ...(pipeline.unavailable ? { unavailable: pipeline.unavailable } : {}),
  });
  const dispatch = dispatchOptions(log);
  try {
    if (!config.discord && !config.slack) {
      const user = localUser(config);
      const runId = randomUUID().slice(0, 8);
      await runConsoleChat({
        input: process.stdin,
        output: process.stdout,
        interactive: Boolean(process.stdin.isTTY),
        dispatch,
        followUpTimeoutMs: followUpTimeoutMs(config),
        context: (followUp, line) =>
          makeContext({
            platform: 'console',
            team: 'console',
            // The console runs on the operator's own machine: its user administers the `console` team.
            user: { id: user, name: user, admin: true },
            interactionId: `${runId}-${line}`,
            followUp,
          }),
      });
      return 0;
    }
    if (config.discord) {
      adapters.discord = await startDiscord({ config: config.discord, dispatch, makeContext, log, metrics });
      log.info('discord connected');
    }
    if (config.slack) {
      adapters.slack = await startSlack({
        config: config.slack,
        dispatch,
        makeContext,
        log,
        commandNames: commands.map((c) => c.spec.name),
        metrics,
      });
      log.info('slack started', {
        mode: config.slack.mode,
        ...(adapters.slack.port ? { port: adapters.slack.port } : {}),
      });
    }
    const signal = await waitForSignal();
    log.info('shutting down', { signal });
    return 0;
  } finally {
    // Stop taking commands first, then let the workers finish (or hand back) their jobs.
    await adapters.discord?.close();
    await adapters.slack?.close();
    await pipeline.close();
    await ops?.close();
  }
}
