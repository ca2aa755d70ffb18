import { parseArgs } from 'node:util';
import { askSpec } from '../commands/ask.ts';
import { fitCommand, fitRequest } from '../commands/fit.ts';
import { toText } from './adapters/console/render.ts';
import { fitServices } from './app.ts';
import { parseNamed, parseText } from './command/parse.ts';
import { ConfigError, readConfig } from './config.ts';
import { isUserError, UserError } from './errors.ts';
import { fit } from './fit/engine.ts';
import { fitJson, fitReply } from './fit/present.ts';
import { start } from './main.ts';
import { routePrompt } from './routing/router.ts';

const USAGE = `usage:
  fitbot                      start the bot (a console chat when no Discord/Slack tokens are set)
  fitbot fit <model> <quant> <hardware> [--context N] [--parallel N] [--ram GB] [--hours 3/week]
             [--catalog FILE] [--json]
  fitbot route "<prompt>" [--model auto|scout|maverick] [--json]
  fitbot worker scout|maverick   run one model worker alone against REDIS_URL
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

async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || sub === 'start' || sub === 'chat') return await start();
    if (sub === 'fit') return fitCli(rest);
    if (sub === 'route') return routeCli(rest);
    if (sub === 'worker' && (rest[0] === 'scout' || rest[0] === 'maverick')) {
      const { runWorkerProcess } = await import('../workers/run.ts');
      return await runWorkerProcess(rest[0]);
    }
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
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

process.exitCode = await main(process.argv.slice(2));
