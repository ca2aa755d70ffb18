/**
 * One case table, run end to end on both chat platforms: the real discord.js
 * Client against the fake Discord, the real Bolt App (signed HTTP) against the
 * fake Slack. Each platform has a small driver that sends a command and returns
 * what was delivered as plain text with its visibility, so the cases themselves
 * say nothing about either platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { type DiscordAdapter, startDiscord } from '../../src/adapters/discord/bot.ts';
import { DISCORD_LIMITS, EPHEMERAL_FLAG } from '../../src/adapters/discord/render.ts';
import { type SlackAdapter, startSlack } from '../../src/adapters/slack/app.ts';
import { SLACK_LIMITS } from '../../src/adapters/slack/render.ts';
import { answerReply } from '../../src/ask/present.ts';
import type { AskPort, InteractionContext, SpendPort } from '../../src/command/command.ts';
import type { Reply } from '../../src/command/reply.ts';
import { createLogger } from '../../src/log.ts';
import type { Receipt } from '../../src/queue/jobs.ts';
import type { LedgerEntry } from '../../src/spend/ledger-entry.ts';
import { weeklySummary } from '../../src/spend/summary.ts';
import { isoWeekIn } from '../../src/spend/week.ts';
import {
  type CommandOptionJson,
  type DiscordRequest,
  type FakeDiscord,
  startFakeDiscord,
} from '../fakes/discord-server.ts';
import { type FakeSlack, httpModeConfig, slashCommandRequest, startFakeSlack } from '../fakes/slack-server.ts';
import { testContext, testReceipt } from '../helpers.ts';

// ---------------------------------------------------------------------------
// What a driver returns: one delivered message, platform-neutral.
// ---------------------------------------------------------------------------

interface Delivered {
  /** Everything the message shows, as plain text (titles, body, fields, footer), unescaped. */
  text: string;
  /** Shown only to the asker. */
  ephemeral: boolean;
  /** Platform limits the message breaks; empty when it fits. */
  problems: string[];
}

/** The command as both platforms see it: the typed line (console, Slack) and the named options (Discord). */
interface Sent {
  line: string;
  named: Record<string, string | number>;
}

/** What the fake services do for one case. */
interface Services {
  ask?: AskPort;
  spend?: SpendPort;
}

interface Driver {
  start(services: () => Services): Promise<void>;
  /** Sends the command; resolves with what was delivered once `done` holds (plus a short quiet period). */
  run(sent: Sent, done: (messages: Delivered[]) => boolean): Promise<Delivered[]>;
  close(): Promise<void>;
}

const QUIET_MS = 60;
const DONE_TIMEOUT_MS = 3000;

const dispatchOptions = { commands, newErrorId: () => 'e1', onFailure: () => {} };

function contextFor(i: InteractionContext, services: Services) {
  return testContext({
    ...i,
    ...(services.ask ? { ask: services.ask } : {}),
    ...(services.spend ? { spend: services.spend } : {}),
  });
}

/** Polls `collect` until `done` holds, waits a quiet period for stragglers, and returns the final collection. */
async function settle(collect: () => Delivered[], done: (m: Delivered[]) => boolean): Promise<Delivered[]> {
  const deadline = Date.now() + DONE_TIMEOUT_MS;
  while (!done(collect())) {
    if (Date.now() > deadline) {
      throw new Error(
        `not delivered within ${DONE_TIMEOUT_MS} ms; got:\n${JSON.stringify(collect(), null, 1).slice(0, 3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, QUIET_MS));
  return collect();
}

const over = (what: string, text: string | undefined, limit: number): string[] =>
  (text ?? '').length > limit ? [`${what} ${(text ?? '').length} > ${limit}`] : [];

// ---------------------------------------------------------------------------
// Discord driver
// ---------------------------------------------------------------------------

interface DiscordEmbed {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}

function discordDelivered(body: DiscordRequest['body'], ephemeral: boolean): Delivered {
  const embeds: DiscordEmbed[] = body.embeds ?? [];
  const text = [
    body.content ?? '',
    ...embeds.flatMap((e) => [
      e.title ?? '',
      e.description ?? '',
      ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
      e.footer?.text ?? '',
    ]),
  ]
    .filter((t) => t !== '')
    .join('\n');
  const problems = [
    ...over('content', body.content, DISCORD_LIMITS.content),
    ...embeds.flatMap((e) => {
      const total = [e.title, e.description, e.footer?.text, ...(e.fields ?? []).flatMap((f) => [f.name, f.value])]
        .filter(Boolean)
        .join('').length;
      return [
        ...over('title', e.title, DISCORD_LIMITS.title),
        ...over('description', e.description, DISCORD_LIMITS.description),
        ...over('footer', e.footer?.text, DISCORD_LIMITS.footer),
        ...(e.fields ?? []).flatMap((f) => [
          ...over('field name', f.name, DISCORD_LIMITS.fieldName),
          ...over('field value', f.value, DISCORD_LIMITS.fieldValue),
        ]),
        ...((e.fields?.length ?? 0) > DISCORD_LIMITS.fields ? ['more than 25 fields'] : []),
        ...(total > 6000 ? [`embed total ${total} > 6000`] : []),
      ];
    }),
  ];
  return { text, ephemeral, problems };
}

function discordDriver(): Driver {
  let fake: FakeDiscord;
  let bot: DiscordAdapter;
  return {
    async start(services) {
      fake = await startFakeDiscord();
      bot = await startDiscord({
        config: { token: 'fake-bot-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl },
        dispatch: dispatchOptions,
        makeContext: (i) => contextFor(i, services()),
        log: createLogger('error', () => {}),
        now: () => Date.parse('2026-11-27T12:00:00Z'),
      });
    },
    async run(sent, done) {
      const { name } = splitLine(sent.line);
      const spec = commands.find((c) => c.spec.name === name)?.spec;
      if (!spec) throw new Error(`no command /${name}`);
      const options: CommandOptionJson[] = Object.entries(sent.named).map(([key, value]) => {
        const type = spec.options.find((o) => o.name === key)?.type;
        if (!type) throw new Error(`/${name} has no option ${key}`);
        return { name: key, type: type === 'string' ? 3 : type === 'integer' ? 4 : 10, value };
      });
      const { token } = fake.sendCommand({
        name,
        options,
        channelId: '400000000000000007',
        user: { id: '200000000000000042', username: 'ada' },
      });
      const original = `/webhooks/${fake.applicationId}/${token}/messages/%40original`;
      const webhook = `/webhooks/${fake.applicationId}/${token}`;
      // What the asker sees: the deferred original as last edited, then the follow-ups in order.
      const collect = () => {
        const mine = fake.requests.filter((r) => r.route.startsWith(webhook));
        const lastEdit = mine.filter((r) => r.method === 'PATCH' && r.route === original).at(-1);
        const deleted = mine.some((r) => r.method === 'DELETE' && r.route === original);
        const followUps = mine.filter((r) => r.method === 'POST' && r.route === webhook);
        return [
          ...(lastEdit && !deleted ? [discordDelivered(lastEdit.body, false)] : []),
          ...followUps.map((r) => discordDelivered(r.body, ((r.body.flags ?? 0) & EPHEMERAL_FLAG) !== 0)),
        ];
      };
      return settle(collect, done);
    },
    async close() {
      await bot?.close();
      await fake?.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Slack driver
// ---------------------------------------------------------------------------

const SECRET = 'case-table-secret';
const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

interface SlackBlock {
  type: string;
  text?: { text: string };
  elements?: { text: string }[];
}

function slackDelivered(body: { text?: string; blocks?: SlackBlock[] }, ephemeral: boolean): Delivered {
  const blocks = body.blocks ?? [];
  const parts = blocks.flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text)]);
  const text = unescapeSlack((blocks.length > 0 ? parts : [body.text ?? '']).filter((t) => t !== '').join('\n'));
  const problems = [
    ...(blocks.length > SLACK_LIMITS.blocks ? [`${blocks.length} blocks > ${SLACK_LIMITS.blocks}`] : []),
    ...blocks.flatMap((b) => [
      ...(b.type === 'header' ? over('header', b.text?.text, SLACK_LIMITS.header) : []),
      ...(b.type === 'section' ? over('section', b.text?.text, SLACK_LIMITS.section) : []),
      ...(b.elements ?? []).flatMap((e) => over('context element', e.text, SLACK_LIMITS.section)),
    ]),
  ];
  return { text, ephemeral, problems };
}

function slackDriver(): Driver {
  let fake: FakeSlack;
  let adapter: SlackAdapter;
  let serial = 0;
  return {
    async start(services) {
      fake = await startFakeSlack();
      adapter = await startSlack({
        config: httpModeConfig(fake, 'xoxb-case-table', SECRET),
        dispatch: dispatchOptions,
        makeContext: (i) => contextFor(i, services()),
        log: createLogger('error', () => {}),
        commandNames: commands.map((c) => c.spec.name),
      });
    },
    async run(sent, done) {
      const { name, text } = splitLine(sent.line);
      serial += 1;
      const id = `case${serial}`;
      const apiBefore = fake.apiCalls.length;
      const request = slashCommandRequest(
        { command: `/${name}`, text, response_url: fake.responseUrl(id), trigger_id: `trigger-${id}` },
        SECRET,
      );
      const response = await fetch(`http://127.0.0.1:${adapter.port}/slack/events`, { method: 'POST', ...request });
      expect(response.status).toBe(200);
      // What the asker sees: the response_url posts, then anything that fell back to the channel.
      const collect = () => [
        ...fake.responsePosts
          .filter((p) => p.id === id && p.status === 200)
          .map((p) => slackDelivered(p.body, p.body.response_type === 'ephemeral')),
        ...fake.apiCalls
          .slice(apiBefore)
          .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral')
          .map((c) => slackDelivered(c.body, c.method === 'chat.postEphemeral')),
      ];
      return settle(collect, done);
    },
    async close() {
      await adapter?.close();
      await fake?.close();
    },
  };
}

/** `/fit maverick q3 2xh100` → `{ name: 'fit', text: 'maverick q3 2xh100' }`. */
function splitLine(line: string): { name: string; text: string } {
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line);
  if (!m?.[1]) throw new Error(`not a command line: ${line}`);
  return { name: m[1], text: m[2] ?? '' };
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const RECEIPT: Receipt = testReceipt();
/** The receipt line under every /ask answer. */
const RECEIPT_LINE = 'Llama 4 Scout Q4_K_M on RTX 4090 (local) · 3 → 1 tokens, 100.0 tok/s, 0.1 s · $0.0000012';

/** The Reply an /ask answer has: the answer, then the route and the receipt in the footer. */
function askAnswer(answer: string): Reply {
  return answerReply({
    askJobId: 'ask-case',
    team: 'team',
    platform: 'console',
    userId: 'u1',
    userName: 'ada',
    target: 'scout',
    routeReason: 'auto → Scout: light prompt',
    outcome: { ok: true, answer, finishReason: 'stop', receipt: RECEIPT },
  });
}

/** A plain-object AskPort that answers at once, from inside submit, as a fast worker would. */
function answeringAsk(reply: Reply): AskPort {
  return {
    configured: { scout: true, maverick: false },
    maverickWait: async () => ({ expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 }),
    async submit(_request, followUp) {
      await followUp(reply);
      return { duplicate: false, position: 1, etaSeconds: 5 };
    },
  };
}

/** Exactly 6,000 characters: numbered words in paragraphs of 20. */
const LONG_ANSWER = (() => {
  let text = '';
  for (let i = 0; ; i++) {
    const next = `${i === 0 ? '' : i % 20 === 0 ? '\n\n' : ' '}w${String(i).padStart(4, '0')}`;
    if (text.length + next.length > 6000) break;
    text += next;
  }
  return text.padEnd(6000, '.');
})();
const numberedWords = (text: string) => text.match(/\bw\d{4}\b/g) ?? [];

const WEEK_START_MS = Date.parse('2026-11-23T00:00:00Z'); // Monday of 2026-W48

function entry(userId: string, userName: string, costUsd: number, hoursIntoWeek: number): LedgerEntry {
  const startedAtMs = WEEK_START_MS + hoursIntoWeek * 3_600_000;
  return {
    jobId: `ask-${userId}-${hoursIntoWeek}`,
    team: 'team',
    userId,
    userName,
    status: 'ok',
    model: 'Llama 4 Maverick',
    quant: 'UD-Q2_K_XL',
    hardware: 'H100 SXM',
    gpuCount: 2,
    provider: 'runpod',
    startedAtMs,
    endedAtMs: startedAtMs + 30_000,
    promptTokens: 100,
    completionTokens: 200,
    gpuSeconds: 60,
    costUsd,
    costBasis: 'RunPod 2× H100 SXM',
    route: 'maverick: requested',
  };
}

/** A plain-object SpendPort: the summary of one week's ledger, as the Redis-backed one builds it. */
const LEDGER: LedgerEntry[] = [entry('u-ada', 'ada', 0.2, 30), entry('u-grace', 'grace', 0.1, 50)];
const spendPort: SpendPort = {
  async summary(team) {
    const nowMs = Date.parse('2026-11-27T12:00:00Z');
    const week = isoWeekIn(nowMs, 'UTC');
    const entries = LEDGER.filter((e) => e.endedAtMs >= week.startMs && e.endedAtMs < week.endMs);
    return weeklySummary({ team, timeZone: 'UTC', week, entries, previous: [], nowMs });
  },
};

// ---------------------------------------------------------------------------
// The case table
// ---------------------------------------------------------------------------

interface Case {
  name: string;
  sent: Sent;
  services?: Services;
  /** Delivery is complete once this holds. */
  done: (all: string, messages: Delivered[]) => boolean;
  check: (messages: Delivered[], all: string) => void;
}

const allText = (messages: Delivered[]) => messages.map((m) => m.text).join('\n');

const cases: Case[] = [
  {
    name: '/fit maverick q3 2xh100 → "does not fit" with the UD-Q2_K_XL alternative, in the channel',
    sent: { line: '/fit maverick q3 2xh100', named: { model: 'maverick', quant: 'q3', hardware: '2xh100' } },
    done: (all) => all.includes('does not fit'),
    check: (messages, all) => {
      expect(all).toContain('does not fit');
      expect(all).toContain('UD-Q2_K_XL');
      expect(messages.every((m) => !m.ephemeral)).toBe(true);
    },
  },
  {
    name: '/fit mavrick q3 2xh100 → a private error suggesting maverick',
    sent: { line: '/fit mavrick q3 2xh100', named: { model: 'mavrick', quant: 'q3', hardware: '2xh100' } },
    done: (all) => all.includes('did you mean'),
    check: (messages, all) => {
      expect(all).toContain('did you mean maverick');
      expect(messages).toHaveLength(1);
      expect(messages[0]?.ephemeral).toBe(true);
    },
  },
  {
    name: '/ask what is 2+2 → the answer and its receipt',
    sent: { line: '/ask what is 2+2', named: { prompt: 'what is 2+2' } },
    services: { ask: answeringAsk(askAnswer('4')) },
    done: (all) => all.includes(RECEIPT_LINE),
    check: (messages, all) => {
      const answer = messages.find((m) => m.text.includes(RECEIPT_LINE));
      expect(answer?.text.split('\n')[0]).toBe('4');
      expect(answer?.text).toContain('Scout — auto → Scout: light prompt');
      expect(answer?.ephemeral).toBe(false);
      expect(all).toContain(RECEIPT_LINE);
      // The answer came during submit: no stale "queued" notice may follow it.
      expect(messages.at(-1)?.text).not.toMatch(/^Queued on/);
    },
  },
  {
    name: '/ask with a 6,000-character answer → all of it, in order, every message within limits',
    sent: { line: '/ask write a long essay', named: { prompt: 'write a long essay' } },
    services: { ask: answeringAsk(askAnswer(LONG_ANSWER)) },
    done: (all) => all.includes(RECEIPT_LINE),
    check: (messages, all) => {
      expect(LONG_ANSWER).toHaveLength(6000);
      const wanted = numberedWords(LONG_ANSWER);
      expect(wanted.length).toBeGreaterThan(800);
      expect(numberedWords(all)).toEqual(wanted);
      expect(messages.every((m) => !m.ephemeral)).toBe(true);
    },
  },
  {
    name: "/spend → this week's total and each user's share, to the asker only",
    sent: { line: '/spend', named: {} },
    services: { spend: spendPort },
    done: (all) => all.includes('Spend'),
    check: (messages, all) => {
      expect(all).toContain('2026-W48');
      expect(all).toContain('$0.30');
      expect(all).toMatch(/ada: \$0\.20, 66\.7 %/);
      expect(all).toMatch(/grace: \$0\.10, 33\.3 %/);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m) => m.ephemeral)).toBe(true);
    },
  },
];

describe.each([
  ['discord', discordDriver],
  ['slack', slackDriver],
] as const)('case table on %s (real client, fake server)', (_platform, makeDriver) => {
  const driver = makeDriver();
  let services: Services = {};

  beforeAll(() => driver.start(() => services));
  afterAll(() => driver.close());

  it.each(cases)('$name', async (c) => {
    services = c.services ?? {};
    const messages = await driver.run(c.sent, (m) => c.done(allText(m), m));
    for (const m of messages) expect(m.problems, m.text.slice(0, 200)).toEqual([]);
    c.check(messages, allText(messages));
  });
});
