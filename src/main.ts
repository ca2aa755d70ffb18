import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { runConsoleChat } from './adapters/console/chat.ts';
import { toText } from './adapters/console/render.ts';
import { dispatchOptions, fitServices } from './app.ts';
import { orphanReply } from './ask/present.ts';
import { type Config, ConfigError, readConfig } from './config.ts';
import { isUserError } from './errors.ts';
import { createLogger } from './log.ts';
import { startPipeline } from './pipeline.ts';

function localUser(config: Config): string {
  try {
    return config.consoleUser === 'console-user' ? userInfo().username : config.consoleUser;
  } catch {
    return config.consoleUser;
  }
}

/** How long the console waits for one /ask answer: every try timing out, plus backoff, ms. */
function followUpTimeoutMs(config: Config): number {
  const { attempts, timeoutMs, backoffMs } = config.ask;
  return attempts * (2 * timeoutMs) + backoffMs * 2 ** attempts;
}

/**
 * `npm start`: fitbot with the /ask pipeline (Redis, queues, the model workers
 * that are configured, all in this process), and the console chat on
 * stdin/stdout when no Discord or Slack tokens are set.
 */
export async function start(): Promise<number> {
  let config: Readonly<Config>;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n(see .env.example)\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
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
  const user = localUser(config);
  const pipeline = await startPipeline({
    config,
    catalog: fit.catalog,
    log,
    workers: ['scout', 'maverick'],
    deliverOrphan: async (data) => {
      process.stdout.write(`${toText(orphanReply(data, `@${data.userName}`))}\n\n`);
    },
  });
  if (pipeline.unavailable) process.stderr.write(`fitbot: ${pipeline.unavailable}\n`);
  const runId = randomUUID().slice(0, 8);
  try {
    await runConsoleChat({
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY),
      dispatch: dispatchOptions(log),
      followUpTimeoutMs: followUpTimeoutMs(config),
      context: (followUp, line) => ({
        platform: 'console',
        team: 'console',
        user: { id: user, name: user },
        interactionId: `${runId}-${line}`,
        now: new Date(),
        fit,
        followUp,
        ...(pipeline.ask ? { ask: pipeline.ask } : {}),
        ...(pipeline.spend ? { spend: pipeline.spend } : {}),
        ...(pipeline.unavailable ? { unavailable: pipeline.unavailable } : {}),
      }),
    });
  } finally {
    await pipeline.close();
  }
  return 0;
}
