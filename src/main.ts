import { userInfo } from 'node:os';
import { runConsoleChat } from './adapters/console/chat.ts';
import { dispatchOptions, fitServices } from './app.ts';
import { type Config, ConfigError, readConfig } from './config.ts';
import { isUserError } from './errors.ts';
import { createLogger } from './log.ts';

function localUser(config: Config): string {
  try {
    return config.consoleUser === 'console-user' ? userInfo().username : config.consoleUser;
  } catch {
    return config.consoleUser;
  }
}

/** `npm start`: with no Discord or Slack tokens set, the console chat on stdin/stdout. */
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
  await runConsoleChat({
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY),
    dispatch: dispatchOptions(log),
    context: () => ({
      platform: 'console',
      team: 'console',
      user: { id: user, name: user },
      now: new Date(),
      fit,
    }),
  });
  return 0;
}
