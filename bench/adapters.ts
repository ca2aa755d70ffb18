import { fork } from 'node:child_process';
import { commands } from '../commands/index.ts';
import { startDiscord } from '../src/adapters/discord/bot.ts';
import { startSlack } from '../src/adapters/slack/app.ts';
import type { ContextFactory } from '../src/command/command.ts';
import { quantile } from '../src/fit/speed-model.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { httpModeConfig } from '../test/fakes/slack-server.ts';
import { testContext } from '../test/helpers.ts';
import type { BurstNext, FakeStarted, LoadDone, LoadFailed, Platform, RunLoad } from './adapter-load.ts';

export interface AckFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const GOAL_P99_MS = 50;
const SECRET = 'bench-signing-secret';
const dispatchOptions = { commands, onFailure: () => {}, newErrorId: () => 'bench' };
const makeContext: ContextFactory = (i) => testContext({ ...i });

/** A logger that keeps warnings and errors, so a run that failed a command is not reported as a figure. */
function problemLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('warn', (line) => lines.push(line)), lines };
}

function figures(samples: readonly number[]): AckFigures {
  return { p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), maxMs: Math.max(...samples) };
}

/** Ack latencies of `count` commands one at a time (each answered before the next), then of `count` sent at once. */
interface PlatformRun {
  serial: AckFigures;
  burst: AckFigures;
  /** This process's CPU time (user + system) from just before the burst until every command of it was answered. */
  burstCpuMs: number;
}

/** The load side (bench/adapter-load.ts) in its own process, with its fake listening; `run` drives it once. */
async function startLoad(platform: Platform) {
  const child = fork(new URL('./adapter-load.ts', import.meta.url).pathname, [platform], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let cpuAtBurst: NodeJS.CpuUsage | undefined;
  /** The child's next message other than the burst notice (which only marks the CPU clock); rejects if it exits first. */
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: T | BurstNext) => {
        if ((message as BurstNext).kind === 'burst') {
          cpuAtBurst = process.cpuUsage();
          return;
        }
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`bench: the ${platform} load process exited (${code}) before answering`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const started = await next<FakeStarted>();
  return {
    started,
    async run(request: Omit<RunLoad, 'kind'>): Promise<PlatformRun> {
      const answer = next<LoadDone | LoadFailed>();
      child.send({ kind: 'run', ...request } satisfies RunLoad);
      const result = await answer;
      if (result.kind === 'failed') throw new Error(result.message);
      if (!cpuAtBurst) throw new Error(`bench: the ${platform} load process did not announce its burst`);
      const cpu = process.cpuUsage(cpuAtBurst);
      return {
        serial: figures(result.serialMs),
        burst: figures(result.burstMs),
        burstCpuMs: (cpu.user + cpu.system) / 1000,
      };
    },
    /** Disconnecting tells the child to close its fake and exit. */
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/**
 * Discord: the real discord.js Client here, on the fake gateway in the load
 * process. The clock (in the load process) starts when the fake writes
 * INTERACTION_CREATE to the gateway socket and stops when the fake REST
 * receives that interaction's callback POST (the type 5 deferral).
 */
async function benchDiscord(count: number, warmUp: number): Promise<PlatformRun> {
  const load = await startLoad('discord');
  try {
    const { log, lines } = problemLog();
    const bot = await startDiscord({
      config: {
        token: 'bench-bot-token',
        applicationId: load.started.applicationId ?? '',
        apiUrl: load.started.apiUrl,
      },
      dispatch: dispatchOptions,
      makeContext,
      log,
    });
    try {
      const run = await load.run({ count, warmUp });
      if (lines.length > 0) throw new Error(`bench: Discord logged problems:\n${lines.slice(0, 3).join('')}`);
      return run;
    } finally {
      await bot.close();
    }
  } finally {
    await load.stop();
  }
}

/**
 * Slack: the real Bolt App in HTTP mode here, its Web API and response_urls
 * on the fake in the load process. The clock (in the load process) starts when
 * a correctly signed slash-command request is handed to fetch and stops when
 * Bolt's 200 (the ack, sent before any work) has been received in full.
 */
async function benchSlack(count: number, warmUp: number): Promise<PlatformRun> {
  const load = await startLoad('slack');
  try {
    const { log, lines } = problemLog();
    const adapter = await startSlack({
      config: httpModeConfig(load.started, 'xoxb-bench-token', SECRET),
      dispatch: dispatchOptions,
      makeContext,
      log,
      commandNames: commands.map((c) => c.spec.name),
    });
    try {
      const botUrl = `http://127.0.0.1:${adapter.port}/slack/events`;
      const run = await load.run({ count, warmUp, botUrl, signingSecret: SECRET });
      if (lines.length > 0) throw new Error(`bench: Slack logged problems:\n${lines.slice(0, 3).join('')}`);
      return run;
    } finally {
      await adapter.close();
    }
  } finally {
    await load.stop();
  }
}

function tableRow(name: string, count: number, f: AckFigures, baseline?: AckFigures): string {
  const ratio = baseline
    ? `${(f.p50Ms / baseline.p50Ms).toFixed(1)}× / ${(f.p99Ms / baseline.p99Ms).toFixed(1)}×`
    : '—';
  return `| ${name} | ${count} | ${f.p50Ms.toFixed(2)} | ${f.p99Ms.toFixed(2)} | ${f.maxMs.toFixed(2)} | ${ratio} |`;
}

/**
 * Slash-command acknowledge latency under load: `commands` /fit commands sent
 * at once through each adapter (real discord.js Client against the fake
 * Discord, real Bolt App over signed HTTP), against the same number sent one
 * at a time (each answered before the next) as the baseline, in the same run.
 * The bot (adapter, commands, replies) runs in this process; the fakes and the
 * load generator run in a child process (bench/adapter-load.ts), which also
 * holds both ends of the clock. Also reports this process's CPU time for the
 * burst: with one core for the bot, p99 cannot beat the CPU spent before the
 * last ack.
 */
export async function benchAdapters(commands = 200): Promise<{
  table: string;
  discord: AckFigures;
  slack: AckFigures;
}> {
  const warmUp = Math.min(20, commands);
  const discord = await benchDiscord(commands, warmUp);
  const slack = await benchSlack(commands, warmUp);
  const met = Math.max(discord.burst.p99Ms, slack.burst.p99Ms) <= GOAL_P99_MS;
  const cpu = (run: PlatformRun) =>
    `${run.burstCpuMs.toFixed(0)} ms (${(run.burstCpuMs / commands).toFixed(2)} ms a command)`;
  const table = [
    '| measurement | commands | p50 ms | p99 ms | max ms | p50 / p99 vs 1 at a time |',
    '|---|---|---|---|---|---|',
    tableRow('Discord INTERACTION_CREATE → deferral received, 1 at a time (baseline)', commands, discord.serial),
    tableRow(
      `Discord INTERACTION_CREATE → deferral received, ${commands} at once`,
      commands,
      discord.burst,
      discord.serial,
    ),
    tableRow('Slack signed request → 200 ack, 1 at a time (baseline)', commands, slack.serial),
    tableRow(`Slack signed request → 200 ack, ${commands} at once`, commands, slack.burst, slack.serial),
    '',
    `Bot process CPU for the ${commands} at once, until all were answered: Discord ${cpu(discord)}, Slack ${cpu(slack)}.`,
    '',
    `Goal p99 ≤ ${GOAL_P99_MS} ms (Discord and Slack deadline: 3 s): ${met ? 'met' : 'NOT met'} (${commands} at once: Discord p99 ${discord.burst.p99Ms.toFixed(1)} ms, Slack p99 ${slack.burst.p99Ms.toFixed(1)} ms).`,
  ].join('\n');
  return { table, discord: discord.burst, slack: slack.burst };
}
