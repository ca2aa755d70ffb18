import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askSpec } from '../../commands/ask.ts';
import { fitSpec } from '../../commands/fit.ts';
import { commands } from '../../commands/index.ts';
import { type DiscordAdapter, startDiscord } from '../../src/adapters/discord/bot.ts';
import { BOT_PERMISSIONS, discordCommandsJson, inviteUrl } from '../../src/adapters/discord/register.ts';
import type { AskPort, FollowUp } from '../../src/command/command.ts';
import type { Reply, ReplyField } from '../../src/command/reply.ts';
import { createLogger } from '../../src/log.ts';
import type { ReplyJobData } from '../../src/queue/jobs.ts';
import {
  type CommandOptionJson,
  type DiscordRequest,
  type FakeDiscord,
  startFakeDiscord,
} from '../fakes/discord-server.ts';
import { testContext } from '../helpers.ts';

const TOKEN = 'fake-bot-token.NEVER-LOGGED';
const ASKER = '200000000000000042';
const CHANNEL = '400000000000000007';

/** The longest a message's text may be: content 2000, embed description 4096 (Discord's documented limits). */
function withinLimits(body: DiscordRequest['body']): void {
  expect(String(body.content ?? '').length).toBeLessThanOrEqual(2000);
  for (const e of body.embeds ?? []) expect(String(e.description ?? '').length).toBeLessThanOrEqual(4096);
}

/** Every ``` fence in a message has its pair. */
function fencesBalanced(body: DiscordRequest['body']): boolean {
  const texts = [body.content ?? '', ...(body.embeds ?? []).map((e: { description?: string }) => e.description ?? '')];
  return texts.every((t: string) => (t.match(/```/g) ?? []).length % 2 === 0);
}

/** The numbered words of a text, in order: a split that loses or reorders anything changes this list. */
/** The characters Discord counts towards an embed's 6,000: title, description, footer, field names and values. */
// biome-ignore lint/suspicious/noExplicitAny: an embed as the fake received it.
function embedChars(e: any): number {
  const fields = (e.fields ?? []).flatMap((f: ReplyField) => [f.name, f.value]);
  return [e.title, e.description, e.footer?.text, ...fields].filter(Boolean).join('').length;
}

function wordsOf(text: string): string[] {
  return text.match(/\b(?:w|line)\d{4}\b/g) ?? [];
}

/** A 5,000-character answer: paragraphs, then a code block long enough to be cut through. */
function longAnswer(): string {
  const prose = Array.from({ length: 300 }, (_, i) => `w${String(i).padStart(4, '0')}`).join(' ');
  const code = Array.from({ length: 220 }, (_, i) => `line${String(i).padStart(4, '0')} = ${i}`).join('\n');
  return `${prose}\n\n\`\`\`python\n${code}\n\`\`\`\n\nw9999 end.`;
}

describe('discordCommandsJson', () => {
  it('GIVEN /fit THEN the registration JSON is exact, required options first', () => {
    const [fit] = discordCommandsJson([fitSpec]);
    expect(fit).toEqual({
      type: 1,
      name: 'fit',
      description: 'Will this model fit this hardware, how fast, at what cost?',
      options: [
        {
          type: 3,
          name: 'model',
          description: 'Model, e.g. maverick, scout, llama 3 70b',
          required: true,
          max_length: 100,
        },
        {
          type: 3,
          name: 'quant',
          description: 'Quantisation, e.g. q4, Q3_K_M, ud-q2_k_xl, iq1, fp8',
          required: true,
          max_length: 40,
        },
        {
          type: 3,
          name: 'hardware',
          description: 'Hardware, e.g. 2xh100, rtx4090, m4 max 128gb',
          required: true,
          max_length: 100,
        },
        {
          type: 4,
          name: 'context',
          description: 'Context per sequence in tokens (default 8192; 32k works)',
          min_value: 1,
          max_value: 10_485_760,
        },
        {
          type: 4,
          name: 'parallel',
          description: 'Sequences served at once (llama-server --parallel; default 1)',
          min_value: 1,
          max_value: 256,
        },
        {
          type: 10,
          name: 'ram',
          description: 'Host system RAM in GB, for offloading (default by hardware class)',
          min_value: 0,
          max_value: 65_536,
        },
        { type: 3, name: 'hours', description: 'Usage to price, e.g. 3/week', max_length: 30 },
      ],
      contexts: [0],
    });
  });

  it('GIVEN /ask THEN required prompt comes first, choices are name/value pairs and max_length is capped at 6000', () => {
    const [ask] = discordCommandsJson([askSpec]);
    expect(ask?.options.map((o) => o.name)).toEqual(['prompt', 'model']);
    expect(ask?.options[0]?.max_length).toBe(6000);
    expect(ask?.options[1]?.choices).toEqual([
      { name: 'auto', value: 'auto' },
      { name: 'scout', value: 'scout' },
      { name: 'maverick', value: 'maverick' },
    ]);
  });

  it('GIVEN every command THEN descriptions fit 100 characters', () => {
    for (const c of discordCommandsJson(commands.map((x) => x.spec))) {
      expect(c.description.length).toBeLessThanOrEqual(100);
      for (const o of c.options) expect(o.description.length).toBeLessThanOrEqual(100);
    }
  });

  it('GIVEN the bot posts embeds with a PNG to channels THEN its invite asks for exactly what that needs', () => {
    // View Channel, Send Messages, Embed Links, Attach Files, Send Messages in Threads.
    const bits = [10n, 11n, 14n, 15n, 38n];
    expect(BigInt(BOT_PERMISSIONS)).toBe(bits.reduce((all, bit) => all | (1n << bit), 0n));
    const url = new URL(inviteUrl('123'));
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('permissions')).toBe(BOT_PERMISSIONS);
    expect(url.searchParams.get('client_id')).toBe('123');
    // The README's integer and URL are this one.
    expect(readFileSync('README.md', 'utf8')).toContain(`permissions=${BOT_PERMISSIONS}`);
  });

  it('GIVEN a description with an emoji where the cut falls THEN the emoji goes whole', () => {
    const [cmd] = discordCommandsJson([{ ...askSpec, description: `${'a'.repeat(98)}🚀 and more` }]);
    expect(cmd?.description).toBe(`${'a'.repeat(98)}…`);
  });
});

describe('Discord adapter end to end (real discord.js Client, fake Discord)', () => {
  let fake: FakeDiscord;
  let bot: DiscordAdapter;
  let clockMs = Date.parse('2026-11-27T12:00:00Z');
  const logLines: string[] = [];
  const handles = new Map<string, FollowUp>();
  /** When set, the fake /ask pipeline answers at once, from inside submit. */
  let immediateAnswer: Reply | undefined;

  const ask: AskPort = {
    configured: { scout: true, maverick: false },
    maverickWait: async () => ({ expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 }),
    async submit(request, followUp) {
      handles.set(request.interactionId, followUp);
      if (immediateAnswer) await followUp(immediateAnswer);
      return { duplicate: false, position: 1, etaSeconds: 5 };
    },
  };

  /** Sends a slash command; returns its interaction id and token, unique per call. */
  function run(name: string, options: CommandOptionJson[], guildId?: string): { id: string; token: string } {
    return fake.sendCommand({
      name,
      options,
      channelId: CHANNEL,
      user: { id: ASKER, username: 'ada' },
      ...(guildId === undefined ? {} : { guildId }),
    });
  }

  const of = (token: string) => (r: DiscordRequest) => r.route.includes(`/${token}`);
  const edits = (token: string) => (r: DiscordRequest) => r.method === 'PATCH' && of(token)(r);
  const followUps = (token: string) => (r: DiscordRequest) =>
    r.method === 'POST' && r.route.startsWith('/webhooks/') && of(token)(r);
  const channelPosts = () =>
    fake.requests.filter((r) => r.method === 'POST' && r.route === `/channels/${CHANNEL}/messages`);

  beforeAll(async () => {
    fake = await startFakeDiscord();
    bot = await startDiscord({
      config: { token: TOKEN, applicationId: fake.applicationId, apiUrl: fake.apiUrl },
      dispatch: { commands, newErrorId: () => 'e1', onFailure: () => {} },
      makeContext: (i) => testContext({ ...i, ask }),
      log: createLogger('debug', (line) => logLines.push(line)),
      now: () => clockMs,
    });
  });

  afterAll(async () => {
    await bot?.close();
    await fake?.close();
  });

  it('GIVEN the token THEN the gateway got it in IDENTIFY and no log line holds it', () => {
    expect(fake.identified.token).toBe(TOKEN);
    expect(bot.client.isReady()).toBe(true);
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('GIVEN /fit maverick q3 2xh100 THEN it defers first, then edits @original with a "does not fit" embed that pings no one', async () => {
    const { id, token } = run('fit', [
      { name: 'model', type: 3, value: 'maverick' },
      { name: 'quant', type: 3, value: 'q3' },
      { name: 'hardware', type: 3, value: '2xh100' },
    ]);
    const edit = await fake.waitFor(edits(token));
    const mine = fake.requests.filter(of(token));
    expect(mine[0]).toMatchObject({
      method: 'POST',
      route: `/interactions/${id}/${token}/callback`,
      body: { type: 5 },
    });
    expect(mine[0]?.headers.authorization).toBeUndefined();
    expect(edit.route).toBe(`/webhooks/${fake.applicationId}/${token}/messages/%40original`);
    expect(edit.body.embeds[0].title).toContain('does not fit');
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    withinLimits(edit.body);
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.interactionId === id);
    expect(logged).toMatchObject({ level: 'info', command: 'fit', team: '300000000000000001' });
  });

  it('GIVEN a command in a DM THEN it is refused privately and nothing runs (a team is a server)', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'what is 2+2' }], '');
    const callback = await fake.waitFor((r) => r.route === `/interactions/${id}/${token}/callback`);
    expect(callback.body.type).toBe(4);
    expect(callback.body.data.flags & 64).toBe(64);
    expect(callback.body.data.content).toMatch(/works in a server/);
    expect(callback.body.data.allowed_mentions).toEqual({ parse: [] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests.filter(of(token))).toHaveLength(1);
    expect(logLines.map((l) => JSON.parse(l)).find((l) => l.interactionId === id)).toBeUndefined();
  });

  it('GIVEN a typo in the model THEN the public deferral is deleted and the error goes to the asker alone', async () => {
    const { token } = run('fit', [
      { name: 'model', type: 3, value: 'mavrick' },
      { name: 'quant', type: 3, value: 'q3' },
      { name: 'hardware', type: 3, value: '2xh100' },
    ]);
    const followUp = await fake.waitFor(followUps(token));
    const mine = fake.requests.filter(of(token)).map((r) => r.method);
    expect(mine).toEqual(['POST', 'DELETE', 'POST']);
    expect(followUp.body.flags).toBe(64);
    expect(followUp.body.content).toContain('did you mean maverick');
    expect(followUp.body.allowed_mentions).toEqual({ parse: [] });
    expect(fake.requests.some(edits(token))).toBe(false);
  });

  it('GIVEN a 5,000-character answer with code THEN @original and follow-ups each fit, fences balance, nothing is lost', async () => {
    const answer = longAnswer();
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    immediateAnswer = { text: answer, tone: 'info' };
    const { token } = run('ask', [{ name: 'prompt', type: 3, value: 'hello' }]);
    const edit = await fake.waitFor(edits(token));
    const wanted = wordsOf(answer);
    const seen = () => [edit, ...fake.requests.filter(followUps(token))];
    await expect
      .poll(
        () =>
          wordsOf(
            seen()
              .map((r) => r.body.content)
              .join('\n'),
          ).length,
        { timeout: 5000 },
      )
      .toBe(wanted.length);
    immediateAnswer = undefined;
    const messages = seen();
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) {
      withinLimits(m.body);
      expect(fencesBalanced(m.body)).toBe(true);
      expect(m.body.allowed_mentions).toEqual({ parse: [] });
    }
    expect(wordsOf(messages.map((r) => r.body.content).join('\n'))).toEqual(wanted);
    // The code block was cut through: a later message reopens it with its language.
    expect(messages.slice(1).some((m) => String(m.body.content).startsWith('```python\n'))).toBe(true);
    // The answer arrived before the "queued" notice: the notice never replaced it.
    expect(fake.requests.filter(edits(token))).toHaveLength(1);
  });

  it('GIVEN a long structured answer THEN every embed keeps Discord limits, titles are numbered, fields and footer come last', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'structured' }]);
    await fake.waitFor(edits(token));
    const text = Array.from({ length: 1500 }, (_, i) => `w${String(i).padStart(4, '0')}`).join(' '); // 7,499 characters
    const fields = Array.from({ length: 4 }, (_, i) => ({ name: `field ${i}`, value: 'v'.repeat(1000) }));
    await handles.get(id)?.({ title: 'Report', text, fields, footer: 'the footer', tone: 'info' });
    const messages = [fake.requests.filter(edits(token)).at(-1), ...fake.requests.filter(followUps(token))];
    const embeds = messages.map((m) => m?.body.embeds[0]);
    expect(embeds.map((e) => e.title)).toEqual(embeds.map((_, i) => `Report (${i + 1}/${embeds.length})`));
    for (const e of embeds) {
      expect(e.description.length).toBeLessThanOrEqual(4096);
      expect(embedChars(e)).toBeLessThanOrEqual(6000);
    }
    expect(embeds.length).toBeGreaterThanOrEqual(2);
    expect(embeds.at(-1).fields).toHaveLength(4);
    expect(embeds.at(-1).footer).toEqual({ text: 'the footer' });
    expect(embeds.slice(0, -1).every((e) => e.fields === undefined && e.footer === undefined)).toBe(true);
    expect(wordsOf(embeds.map((e) => e.description).join(' '))).toEqual(wordsOf(text));
  });

  it('GIVEN a title of 200 and 7 fields of 1,000 THEN no embed is over 6,000 and every field arrives, in order', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'many fields' }]);
    await fake.waitFor(edits(token));
    const fields = Array.from({ length: 7 }, (_, i) => ({ name: `field ${i}`, value: String(i).repeat(1000) }));
    await handles.get(id)?.({ title: 't'.repeat(200), text: 'Summary.', fields, footer: 'the footer', tone: 'info' });
    const messages = [fake.requests.filter(edits(token)).at(-1), ...fake.requests.filter(followUps(token))];
    const embeds = messages.map((m) => m?.body.embeds[0]);
    expect(embeds.length).toBeGreaterThanOrEqual(2);
    for (const e of embeds) {
      expect(embedChars(e)).toBeLessThanOrEqual(6000);
    }
    expect(embeds.flatMap((e) => e.fields ?? [])).toEqual(fields);
    expect(embeds[0].description).toBe('Summary.');
    expect(embeds.at(-1).footer).toEqual({ text: 'the footer' });
  });

  it('GIVEN an answer saying @everyone THEN it is shown but pings no one', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'ping them' }]);
    await fake.waitFor((r) => edits(token)(r) && String(r.body.content).startsWith('Queued'));
    await handles.get(id)?.({ text: '@everyone <@&123> <@999> look', tone: 'info' });
    const answer = fake.requests.filter(edits(token)).at(-1);
    expect(answer?.body.content).toBe('@everyone <@&123> <@999> look');
    expect(answer?.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('GIVEN an answer after the 15-minute token window THEN it is posted to the channel, pinging only the asker', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'slow one' }]);
    await fake.waitFor(edits(token));
    const before = channelPosts().length;
    clockMs += 15 * 60_000;
    try {
      await handles.get(id)?.({ text: 'late answer @everyone', tone: 'info' });
    } finally {
      clockMs -= 15 * 60_000;
    }
    const posts = channelPosts().slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.content).toBe(`<@${ASKER}> late answer @everyone`);
    expect(posts[0]?.body.allowed_mentions).toEqual({ users: [ASKER] });
    expect(fake.requests.filter(edits(token))).toHaveLength(1);
  });

  it('GIVEN Discord refuses the edit (401) within the window THEN the answer falls back to the channel', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'token revoked' }]);
    await fake.waitFor(edits(token));
    fake.failNext({
      method: 'PATCH',
      route: new RegExp(`/${token}/messages/`),
      status: 401,
      body: { message: 'Invalid Webhook Token', code: 50027 },
    });
    const before = channelPosts().length;
    await handles.get(id)?.({ text: 'fallback answer', tone: 'info' });
    const posts = channelPosts().slice(before);
    expect(posts.map((p) => p.body.content)).toEqual([`<@${ASKER}> fallback answer`]);
    expect(posts[0]?.body.allowed_mentions).toEqual({ users: [ASKER] });
  });

  it('GIVEN a private answer after the 15-minute token window THEN the channel gets only a note to the asker, not the answer', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'private and slow' }]);
    await fake.waitFor(edits(token));
    const before = channelPosts().length;
    clockMs += 15 * 60_000;
    try {
      await handles.get(id)?.({ text: 'your budget is spent: secret figures', tone: 'error', ephemeral: true });
    } finally {
      clockMs -= 15 * 60_000;
    }
    const posts = channelPosts().slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.content).toMatch(new RegExp(`^<@${ASKER}> fitbot's reply to your /ask is private`));
    expect(JSON.stringify(posts[0]?.body)).not.toContain('secret figures');
    expect(posts[0]?.body.flags).toBeUndefined();
  });

  it('GIVEN the token is refused after the first of three messages THEN only the other two go to the channel', async () => {
    const { id, token } = run('ask', [{ name: 'prompt', type: 3, value: 'long and refused' }]);
    await fake.waitFor(edits(token));
    fake.failNext({
      method: 'POST',
      route: new RegExp(`^/webhooks/[^/]+/${token}$`),
      status: 404,
      body: { message: 'Unknown Webhook', code: 10015 },
    });
    const words = Array.from({ length: 900 }, (_, i) => `w${String(i).padStart(4, '0')}`);
    const before = channelPosts().length;
    await handles.get(id)?.({ text: words.join(' '), tone: 'info' });
    const edited = fake.requests.filter(edits(token)).at(-1)?.body.content;
    const posts = channelPosts().slice(before);
    expect(posts).toHaveLength(2);
    expect(posts[0]?.body.content.startsWith(`<@${ASKER}> `)).toBe(true);
    const posted = posts.map((p) => p.body.content.replace(`<@${ASKER}> `, '')).join(' ');
    expect(wordsOf(`${edited} ${posted}`)).toEqual(words);
  });

  it('GIVEN an orphaned answer THEN deliverOrphan posts it to its channel, pinging only the asker', async () => {
    const data: ReplyJobData = {
      askJobId: 'ask-discord-1',
      team: '300000000000000001',
      platform: 'discord',
      userId: ASKER,
      userName: 'ada',
      channel: CHANNEL,
      target: 'scout',
      routeReason: 'light prompt',
      outcome: { ok: false, error: 'the model server did not answer' },
    };
    const before = channelPosts().length;
    await bot.deliverOrphan(data);
    const posts = channelPosts().slice(before);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.content).toBe(`<@${ASKER}>, your /ask answer:\n\nthe model server did not answer`);
    expect(posts[0]?.body.allowed_mentions).toEqual({ users: [ASKER] });
  });
});
