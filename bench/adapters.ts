import { commands } from '../commands/index.ts';
import { startDiscord } from '../src/adapters/discord/bot.ts';
import { startSlack } from '../src/adapters/slack/app.ts';
import type { ContextFactory } from '../src/command/command.ts';
import { quantile } from '../src/fit/speed-model.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { commandInteraction, startFakeDiscord } from '../test/fakes/discord-server.ts';
import { httpModeConfig, slashCommandRequest, startFakeSlack } from '../test/fakes/slack-server.ts';
import { testContext } from '../test/helpers.ts';

export interface AckFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The /fit commands sent, in turn: every one resolves, so each is deferred and then answered publicly. */
const CASES = [
  ['maverick', 'q3', '2xh100'],
  ['scout', 'q4', 'rtx4090'],
  ['llama 3 70b', 'q4', '2x4090'],
  ['maverick', 'q4', '4xh100'],
] as const;
const caseOf = (i: number) => CASES[i % CASES.length] ?? CASES[0];

const GOAL_P99_MS = 50;
const SECRET = 'bench-signing-secret';
const dispatchOptions = { commands, onFailure: () => {}, newErrorId: () => 'bench' };
const makeContext: ContextFactory = (i) => testContext({ ...i });

/** Polls `check` every 2 ms; rejects after `timeoutMs`, saying what it waited for. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: ${what} not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

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
}

/**
 * Discord: the real discord.js Client on the fake gateway. The clock starts when
 * the fake writes INTERACTION_CREATE to the gateway socket and stops when the
 * fake REST receives that interaction's callback POST (the type 5 deferral).
 */
async function benchDiscord(count: number, warmUp: number): Promise<PlatformRun> {
  const fake = await startFakeDiscord();
  const { log, lines } = problemLog();
  const bot = await startDiscord({
    config: { token: 'bench-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl },
    dispatch: dispatchOptions,
    makeContext,
    log,
  }).catch(async (error: unknown) => {
    await fake.close();
    throw error;
  });
  try {
    let serial = 0;
    const callbackAt = new Map<string, number>();
    const answered = new Set<string>();
    let seen = 0;
    /** Indexes the fake's new requests: callback arrival per token, and which tokens have their answer. */
    const scan = () => {
      for (; seen < fake.requests.length; seen++) {
        const r = fake.requests[seen];
        if (!r) continue;
        const callback = /^\/interactions\/[^/]+\/([^/]+)\/callback$/.exec(r.route);
        if (callback?.[1] && r.method === 'POST') callbackAt.set(callback[1], r.receivedAtMs);
        const webhook = /^\/webhooks\/[^/]+\/([^/]+)(?:\/messages\/%40original)?$/.exec(r.route);
        if (webhook?.[1] && (r.method === 'PATCH' || r.method === 'POST')) answered.add(webhook[1]);
      }
    };
    const send = (): { token: string; sentAt: number } => {
      serial += 1;
      const [model, quant, hardware] = caseOf(serial);
      const token = `bench-token-${serial}`;
      const payload = commandInteraction({
        id: `7${String(serial).padStart(18, '0')}`,
        token,
        name: 'fit',
        options: [
          { name: 'model', type: 3, value: model },
          { name: 'quant', type: 3, value: quant },
          { name: 'hardware', type: 3, value: hardware },
        ],
      });
      const sentAt = performance.now();
      fake.dispatchInteraction(payload);
      return { token, sentAt };
    };
    const latencies = (sent: readonly { token: string; sentAt: number }[]) =>
      sent.map(({ token, sentAt }) => (callbackAt.get(token) ?? Number.NaN) - sentAt);
    const oneAtATime = async (n: number) => {
      const sent = [];
      for (let i = 0; i < n; i++) {
        const s = send();
        sent.push(s);
        await until('Discord answer', () => {
          scan();
          return answered.has(s.token);
        });
      }
      return latencies(sent);
    };

    await oneAtATime(warmUp);
    const serialSamples = await oneAtATime(count);
    const burst = Array.from({ length: count }, send);
    await until(`${count} Discord answers`, () => {
      scan();
      return burst.every((s) => answered.has(s.token));
    });
    const burstSamples = latencies(burst);
    if (lines.length > 0) throw new Error(`bench: Discord logged problems:\n${lines.slice(0, 3).join('')}`);
    return { serial: figures(serialSamples), burst: figures(burstSamples) };
  } finally {
    await bot.close();
    await fake.close();
  }
}

/**
 * Slack: the real Bolt App in HTTP mode. The clock starts when a correctly
 * signed slash-command request is handed to fetch and stops when Bolt's 200
 * (the ack, sent before any work) has been received in full.
 */
async function benchSlack(count: number, warmUp: number): Promise<PlatformRun> {
  const fake = await startFakeSlack();
  const { log, lines } = problemLog();
  const adapter = await startSlack({
    config: httpModeConfig(fake, 'xoxb-bench-token', SECRET),
    dispatch: dispatchOptions,
    makeContext,
    log,
    commandNames: commands.map((c) => c.spec.name),
  }).catch(async (error: unknown) => {
    await fake.close();
    throw error;
  });
  try {
    const url = `http://127.0.0.1:${adapter.port}/slack/events`;
    let serial = 0;
    /** A signed request for the next command; signing is the sender's work, done before the clock starts. */
    const prepare = () => {
      serial += 1;
      const id = `b${serial}`;
      const { body, headers } = slashCommandRequest(
        {
          command: '/fit',
          text: caseOf(serial).join(' '),
          response_url: fake.responseUrl(id),
          trigger_id: `trigger-${id}`,
        },
        SECRET,
      );
      return { id, body, headers };
    };
    const send = async ({ body, headers }: ReturnType<typeof prepare>): Promise<number> => {
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers, body });
      await response.text();
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`bench: Slack answered ${response.status}`);
      return ms;
    };
    const answered = (ids: readonly string[]) => {
      const posted = new Set(fake.responsePosts.map((p) => p.id));
      return ids.every((id) => posted.has(id));
    };
    const oneAtATime = async (n: number) => {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const request = prepare();
        samples.push(await send(request));
        await until('Slack answer', () => answered([request.id]));
      }
      return samples;
    };

    await oneAtATime(warmUp);
    const serialSamples = await oneAtATime(count);
    const burst = Array.from({ length: count }, prepare);
    const burstSamples = await Promise.all(burst.map(send));
    await until(`${count} Slack answers`, () => answered(burst.map((r) => r.id)));
    if (lines.length > 0) throw new Error(`bench: Slack logged problems:\n${lines.slice(0, 3).join('')}`);
    return { serial: figures(serialSamples), burst: figures(burstSamples) };
  } finally {
    await adapter.close();
    await fake.close();
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
 * Everything runs in this process: fakes, adapters and the /fit work they do.
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
    `Goal p99 ≤ ${GOAL_P99_MS} ms (Discord and Slack deadline: 3 s): ${met ? 'met' : 'NOT met'} (${commands} at once: Discord p99 ${discord.burst.p99Ms.toFixed(1)} ms, Slack p99 ${slack.burst.p99Ms.toFixed(1)} ms).`,
  ].join('\n');
  return { table, discord: discord.burst, slack: slack.burst };
}
