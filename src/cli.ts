import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { askSpec } from '../commands/ask.ts';
import { fitCommand, fitRequest } from '../commands/fit.ts';
import { toText } from './adapters/console/render.ts';
import { fitServices } from './app.ts';
import { endpointPlan } from './ask/endpoints.ts';
import { serverSpeed } from './ask/maverick-speed.ts';
import { parseNamed, parseText } from './command/parse.ts';
import { ConfigError, readConfig, readSimulationConfig } from './config.ts';
import { isUserError, UserError } from './errors.ts';
import { fit } from './fit/engine.ts';
import { fitJson, fitReply } from './fit/present.ts';
import { createLogger } from './log.ts';
import { start } from './main.ts';
import { connectRedis, createTeamService } from './pipeline.ts';
import { commandConnection } from './queue/redis.ts';
import { routePrompt } from './routing/router.ts';
import { parseWindows } from './runpod/schedule.ts';
import type { SimulationDefaults } from './runpod/simulate-cli.ts';
import { chartSpec, renderChartPng } from './spend/chart.ts';
import { summaryJson, summaryReply } from './spend/summary-present.ts';

const USAGE = `usage:
  fitbot                      start the bot (a console chat when no Discord/Slack tokens are set)
  fitbot fit <model> <quant> <hardware> [--context N] [--parallel N] [--ram GB] [--hours 3/week]
             [--catalog FILE] [--json]
  fitbot route "<prompt>" [--model auto|scout|maverick] [--json]
  fitbot worker scout|maverick   run one model worker alone against REDIS_URL
  fitbot spend [--team ID] [--week YYYY-Www|this|last] [--json] [--png FILE]
                              a team's weekly spend summary from the ledger (the console chat's team: console)
  fitbot simulate --trace FILE [--policy NAME] [--wait-target SECONDS] [--json] [--compare]
                              replay a trace of Maverick requests against a pod policy
  fitbot help`;

function quoteIfNeeded(value: string): string {
  return /\s/.test(value) ? `"${value.replace(/"/g, '')}"` : value;
}

function fitCli(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      context: { type: 'string' },
      parallel: { type: 'string' },
      ram: { type: 'string' },
      hours: { type: 'string' },
      catalog: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = readConfig();
  const services = fitServices(config, values.catalog ?? config.catalogFile);
  const named = (['context', 'parallel', 'ram', 'hours'] as const)
    .filter((k) => values[k] !== undefined)
    .map((k) => `${k}:${quoteIfNeeded(String(values[k]))}`);
  const args = parseText(fitCommand.spec, [...positionals.map(quoteIfNeeded), ...named].join(' '));
  const result = fit(services.catalog, fitRequest(args), services.engine);
  process.stdout.write(values.json ? `${JSON.stringify(fitJson(result), null, 2)}\n` : `${toText(fitReply(result))}\n`);
  return 0;
}

/** `fitbot route "<prompt>"`: the routing decision without running it (Maverick assumed configured and idle). */
function routeCli(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, model: { type: 'string', default: 'auto' } },
  });
  const prompt = positionals.join(' ');
  if (prompt.trim() === '') throw new UserError('give a prompt: fitbot route "<prompt>"');
  const requested = parseNamed(askSpec, { prompt, model: values.model }).model ?? 'auto';
  const decision = routePrompt(prompt, {
    requested,
    maverick: { configured: true, expectedWaitSeconds: 0, maxWaitSeconds: Number.POSITIVE_INFINITY },
  });
  process.stdout.write(values.json ? `${JSON.stringify(decision)}\n` : `${decision.target}: ${decision.reason}\n`);
  return 0;
}

/** `fitbot spend`: a team's weekly summary from the ledger in Redis, as text, JSON, and a PNG chart. */
async function spendCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      team: { type: 'string', default: 'console' },
      week: { type: 'string', default: 'this' },
      json: { type: 'boolean', default: false },
      png: { type: 'string' },
    },
  });
  const config = readConfig();
  const redis = await connectRedis(config, createLogger('warn'));
  if ('error' in redis) throw new UserError(redis.error);
  const client = commandConnection(redis.url);
  try {
    const teams = createTeamService(config, client, fitServices(config, config.catalogFile).catalog);
    const summary = await teams.summary(values.team, values.week);
    if (values.png) writeFileSync(values.png, await renderChartPng(chartSpec(summary)));
    process.stdout.write(
      values.json ? `${JSON.stringify(summaryJson(summary), null, 2)}\n` : `${toText(summaryReply(summary))}\n`,
    );
    return 0;
  } finally {
    client.disconnect();
    await redis.stop?.();
  }
}

/** The pod and Maverick's speeds the simulator assumes: from config and the /fit engine. */
function simulationDefaults(): SimulationDefaults {
  const config = readSimulationConfig();
  const services = fitServices(config, config.catalogFile);
  const plan = endpointPlan('maverick', config, services.catalog);
  if (plan?.pricing.provider !== 'runpod') throw new Error('Maverick has no rental price');
  const speed = serverSpeed(plan, services);
  const pod = config.maverick?.pod;
  return {
    policy: pod?.policy ?? 'adaptive',
    gpuCount: plan.server.gpuCount,
    pricePerGpuHourUsd: plan.pricing.pricePerGpuHourUsd,
    pricePerHourUsd: plan.server.gpuCount * plan.pricing.pricePerGpuHourUsd,
    coldStartSeconds: pod?.coldStartSeconds ?? 600,
    waitTargetSeconds: pod?.waitTargetSeconds ?? 600,
    slots: plan.server.concurrency,
    windows: parseWindows(pod?.windows ?? 'Mon-Fri 09:00-18:00'),
    timeZone: pod?.timeZone ?? 'UTC',
    promptTokensPerSec: speed.promptTokensPerSec,
    decodeTokensPerSec: speed.decodeTokensPerSec,
    speedSource: speed.source,
  };
}

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    // `simulate --help` has its own, longer help (the policies).
    if (sub === 'help' || sub === '--help' || sub === '-h' || (wantsHelp && sub !== 'simulate')) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (sub === undefined || sub === 'start' || sub === 'chat') return await start();
    if (sub === 'fit') return fitCli(rest);
    if (sub === 'route') return routeCli(rest);
    if (sub === 'spend') return await spendCli(rest);
    if (sub === 'simulate') {
      const { simulateCli } = await import('./runpod/simulate-cli.ts');
      process.stdout.write(simulateCli(rest, simulationDefaults(), (path) => readFileSync(path, 'utf8')));
      return 0;
    }
    if (sub === 'worker') {
      if (rest[0] !== 'scout' && rest[0] !== 'maverick') {
        process.stderr.write(`fitbot worker: give scout or maverick (got '${rest[0] ?? ''}')\n${USAGE}\n`);
        return 64;
      }
      const { runWorkerProcess } = await import('../workers/run.ts');
      return await runWorkerProcess(rest[0]);
    }
    process.stderr.write(`unknown command '${sub}'\n${USAGE}\n`);
    return 64;
  } catch (error) {
    if (
      isUserError(error) ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`fitbot: ${(error as Error).message}\n`);
      return 64; // EX_USAGE
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n(see .env.example)\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
}

const argv = process.argv.slice(2);
const code = await main(argv);
const longRunning = argv[0] === undefined || ['start', 'chat', 'worker'].includes(argv[0]);
if (longRunning) {
  // Shutdown is done (commands stopped, jobs finished or handed back, logs written synchronously):
  // exit even if an abandoned answer's socket or a library timer would keep the process up.
  process.stdout.write('', () => process.exit(code));
} else {
  process.exitCode = code;
}
