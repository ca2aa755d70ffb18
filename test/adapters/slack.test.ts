import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { slackManifest } from '../../scripts/slack-manifest.ts';
import { type SlackAdapter, startSlack, toSlackMessages } from '../../src/adapters/slack/app.ts';
import { unescapeSlack } from '../../src/adapters/slack/render.ts';
import type { AskPort, FollowUp, InteractionContext } from '../../src/command/command.ts';
import type { Reply } from '../../src/command/reply.ts';
import { createLogger } from '../../src/log.ts';
import type { ReplyJobData } from '../../src/queue/jobs.ts';
import { type FakeSlack, httpModeConfig, slashCommandRequest, startFakeSlack } from '../fakes/slack-server.ts';
import { testContext, testReceipt } from '../helpers.ts';

const SECRET = 's3cret';
const BOT_TOKEN = 'xoxb-test-token';
const SECTION_LIMIT = 3000;

let slack: FakeSlack;
let adapter: SlackAdapter;
let clockOffsetMs = 0;
const logLines: string[] = [];
const interactions: InteractionContext[] = [];

/** What the fake /ask pipeline does; set per test. */
let onSubmit: (followUp: FollowUp) => Promise<void> = async () => {};
const fakeAsk: AskPort = {
  configured: { scout: true, maverick: false },
  maverickWait: async () => ({ expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 }),
  async submit(_request, followUp) {
    await onSubmit(followUp);
    return { duplicate: false, position: 1, etaSeconds: 5 };
  },
};

beforeAll(async () => {
  slack = await startFakeSlack();
  adapter = await startSlack({
    config: httpModeConfig(slack, BOT_TOKEN, SECRET),
    dispatch: { commands, onFailure: () => {}, newErrorId: () => 'e1' },
    makeContext: (i) => {
      interactions.push(i);
      return testContext({ ...i, ask: fakeAsk });
    },
    log: createLogger('info', (line) => logLines.push(line)),
    commandNames: commands.map((c) => c.spec.name),
    now: () => Date.now() + clockOffsetMs,
  });
});

afterAll(async () => {
  await adapter?.close();
  await slack?.close();
});

beforeEach(() => {
  clockOffsetMs = 0;
  onSubmit = async () => {};
});

let sequence = 0;

/** POSTs a slash command to the adapter as Slack would: form-encoded, signed with `secret`, `ageSeconds` old. */
async function sendCommand(command: string, text: string, opts: { secret?: string; ageSeconds?: number } = {}) {
  sequence += 1;
  const id = `r${sequence}`;
  const request = slashCommandRequest(
    { command, text, response_url: slack.responseUrl(id), trigger_id: `trigger-${id}` },
    opts.secret ?? SECRET,
    opts.ageSeconds ?? 0,
  );
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${adapter.port}/slack/events`, { method: 'POST', ...request });
  return {
    id,
    trigger: `trigger-${id}`,
    status: response.status,
    text: await response.text(),
    ackMs: performance.now() - started,
  };
}

/** Assigns the next command's response_url id, so a test can expire it before sending. */
const nextId = () => `r${sequence + 1}`;
const postsTo = (id: string) => slack.responsePosts.filter((p) => p.id === id);

/** An /ask whose answer the test delivers itself, later, through the follow-up it returns (after the "queued" post). */
async function askHeld(): Promise<{ sent: Awaited<ReturnType<typeof sendCommand>>; later: FollowUp }> {
  let held: FollowUp | undefined;
  onSubmit = async (followUp) => {
    held = followUp;
  };
  const sent = await sendCommand('/ask', 'hello');
  await slack.waitFor(() => postsTo(sent.id).length === 1);
  if (!held) throw new Error('no follow-up was registered');
  return { sent, later: held };
}
const apiCalls = (method: string) => slack.apiCalls.filter((c) => c.method === method);
// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON as the fake received it.
const sectionTexts = (body: any): string[] =>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  body.blocks.filter((b: any) => b.type === 'section').map((b: any) => b.text.text as string);
/** Every Slack mention or special token (`<@U…>`, `<!here>`) anywhere in what was sent. */
const mentionsIn = (value: unknown) => JSON.stringify(value).match(/<[@!#][^>]*>/g) ?? [];

describe('Slack adapter, the real Bolt App over signed HTTP', () => {
  it('GIVEN /fit maverick q3 2xh100 THEN it acks at once and answers on the response_url with a does-not-fit header', async () => {
    const sent = await sendCommand('/fit', 'maverick q3 2xh100');
    expect(sent.status).toBe(200);
    expect(sent.text).toBe('');
    expect(sent.ackMs).toBeLessThan(3000); // Slack's ack deadline
    await slack.waitFor(() => postsTo(sent.id).length === 1);
    const [post] = postsTo(sent.id);
    expect(post?.body.response_type).toBe('in_channel');
    expect(post?.body.blocks[0]).toMatchObject({ type: 'header' });
    expect(post?.body.blocks[0].text.text).toContain('does not fit');
    expect(interactions.find((i) => i.interactionId === sent.trigger)).toMatchObject({
      platform: 'slack',
      team: 'T1',
      user: { id: 'U1', name: 'ada' },
      channel: 'C1',
    });
  });

  it('GIVEN an /ask whose text Slack escaped THEN the prompt reaches the pipeline as the user typed it', async () => {
    const prompts: string[] = [];
    const submit = fakeAsk.submit;
    fakeAsk.submit = async (request, followUp) => {
      prompts.push(request.prompt);
      return submit(request, followUp);
    };
    try {
      const sent = await sendCommand('/ask', 'why is a &lt;b&gt; tag bold &amp;&amp; is &amp;lt; an entity?');
      await slack.waitFor(() => postsTo(sent.id).length === 1);
    } finally {
      fakeAsk.submit = submit;
    }
    expect(prompts).toEqual(['why is a <b> tag bold && is &lt; an entity?']);
  });

  it('GIVEN a misspelt model THEN the error is ephemeral and suggests the name', async () => {
    const sent = await sendCommand('/fit', 'mavrick q3 2xh100');
    await slack.waitFor(() => postsTo(sent.id).length === 1);
    const [post] = postsTo(sent.id);
    expect(post?.body.response_type).toBe('ephemeral');
    expect(post?.body.text).toContain('did you mean maverick');
  });

  it('GIVEN /ask and a 7,000-character answer with a code block and mentions THEN it is split into sections, none cut, none pinging', async () => {
    const words = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `w${String(from + i).padStart(4, '0')}`)
        .reduce<string[][]>((paras, word, i) => {
          if (i % 12 === 0) paras.push([]);
          paras.at(-1)?.push(word);
          return paras;
        }, [])
        .map((p) => p.join(' '))
        .join('\n\n');
    const codeLines = Array.from({ length: 40 }, (_, i) => `const v${i} = ${i}; // <!channel>`);
    const answer = [
      words(0, 480),
      `\`\`\`ts\n${codeLines.join('\n')}\n\`\`\``,
      'Heads up <!channel> @here <@U123> <!subteam^S1> & more.',
      words(480, 700),
    ].join('\n\n');
    expect(answer.length).toBeGreaterThanOrEqual(7000);

    let gateOpen = false;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = () => {
        gateOpen = true;
        resolve();
      };
    });
    let answerDelivered: Promise<void> | undefined;
    onSubmit = async (followUp) => {
      await gate;
      // The answer comes later, as the replies worker would deliver it.
      setTimeout(() => {
        answerDelivered = followUp({ text: answer, footer: 'Scout — test', tone: 'info' });
      }, 20);
    };

    const sent = await sendCommand('/ask', 'hello');
    // Acked while the command is still blocked in submit: the ack comes before any work.
    expect(sent.status).toBe(200);
    expect(gateOpen).toBe(false);
    openGate();
    await slack.waitFor(() => postsTo(sent.id).length >= 2 && answerDelivered !== undefined);
    await answerDelivered;

    const [queued, ...answerPosts] = postsTo(sent.id);
    expect(queued?.body.text).toContain('Queued on Scout');
    expect(answerPosts.length).toBeGreaterThanOrEqual(1);
    const sections = answerPosts.flatMap((p) => sectionTexts(p.body));
    expect(sections.length).toBeGreaterThanOrEqual(3);
    for (const s of sections) {
      expect(s.length).toBeLessThanOrEqual(SECTION_LIMIT);
      expect(s).not.toMatch(/…$/);
      expect((s.match(/```/g) ?? []).length % 2).toBe(0); // each section's code fences balanced
    }
    for (const post of answerPosts) expect(post.body.blocks.length).toBeLessThanOrEqual(40);
    // Nothing lost, in order: every word and code line of the answer.
    const shown = unescapeSlack(sections.join('\n'));
    const expected = [...answer.matchAll(/w\d{4}|const v\d+ = \d+; \/\/ <!channel>/g)].map((m) => m[0]);
    const got = [...shown.matchAll(/w\d{4}|const v\d+ = \d+; \/\/ <!channel>/g)].map((m) => m[0]);
    expect(got).toEqual(expected);
    expect(shown).toContain('Heads up <!channel> @here <@U123> <!subteam^S1> & more.');
    // …but as text: nothing the answer wrote can ping anyone.
    expect(mentionsIn(answerPosts.map((p) => p.body))).toEqual([]);
    expect(JSON.stringify(answerPosts.at(-1)?.body.blocks.at(-1))).toContain('Scout — test');
  });

  it('GIVEN the response_url answers 404 THEN the reply is posted to the channel mentioning only the asker', async () => {
    slack.expire(nextId());
    const before = apiCalls('chat.postMessage').length;
    const sent = await sendCommand('/fit', 'maverick q3 2xh100');
    await slack.waitFor(() => apiCalls('chat.postMessage').length === before + 1);
    const call = apiCalls('chat.postMessage').at(-1);
    expect(postsTo(sent.id).map((p) => p.status)).toEqual([404]);
    expect(call?.body.channel).toBe('C1');
    expect(call?.body.text).toMatch(/^<@U1> /);
    expect(JSON.stringify(call?.body.blocks)).toContain('does not fit');
    expect(new Set(mentionsIn(call?.body))).toEqual(new Set(['<@U1>']));
    expect(call?.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  });

  it('GIVEN an ephemeral reply and an expired response_url THEN it stays ephemeral (chat.postEphemeral to the asker)', async () => {
    slack.expire(nextId());
    const before = apiCalls('chat.postEphemeral').length;
    await sendCommand('/fit', 'mavrick q3 2xh100');
    await slack.waitFor(() => apiCalls('chat.postEphemeral').length === before + 1);
    const call = apiCalls('chat.postEphemeral').at(-1);
    expect(call?.body).toMatchObject({ channel: 'C1', user: 'U1' });
    expect(call?.body.text).toContain('did you mean maverick');
  });

  it('GIVEN an answer after 30 minutes THEN it goes to the channel, since the response_url has expired', async () => {
    const { sent, later } = await askHeld();
    const before = apiCalls('chat.postMessage').length;
    clockOffsetMs = 31 * 60_000;
    await later({ text: 'late answer' });
    expect(postsTo(sent.id)).toHaveLength(1);
    expect(apiCalls('chat.postMessage')).toHaveLength(before + 1);
    expect(apiCalls('chat.postMessage').at(-1)?.body.text).toBe('<@U1> late answer');
  });

  it('GIVEN more than 5 messages for one command THEN the 6th goes to the channel (a response_url takes 5)', async () => {
    const { sent, later } = await askHeld();
    const before = apiCalls('chat.postMessage').length;
    for (const n of [2, 3, 4, 5, 6]) await later({ text: `part ${n}` } satisfies Reply);
    expect(postsTo(sent.id)).toHaveLength(5);
    expect(
      apiCalls('chat.postMessage')
        .slice(before)
        .map((c) => c.body.text),
    ).toEqual(['<@U1> part 6']);
  });

  it('GIVEN a bad signature or a 6-minute-old timestamp THEN 401 and nothing is dispatched', async () => {
    const forged = await sendCommand('/fit', 'maverick q3 2xh100', { secret: 'not-the-secret' });
    const stale = await sendCommand('/fit', 'maverick q3 2xh100', { ageSeconds: 6 * 60 });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    // A good request after them round-trips, so had they been dispatched it would show by now.
    const ok = await sendCommand('/help', '');
    await slack.waitFor(() => postsTo(ok.id).length === 1);
    expect(postsTo(forged.id)).toEqual([]);
    expect(postsTo(stale.id)).toEqual([]);
    const dispatched = interactions.map((i) => i.interactionId);
    expect(dispatched).not.toContain(forged.trigger);
    expect(dispatched).not.toContain(stale.trigger);
  });

  it('GIVEN an orphaned /ask answer THEN it is posted to its channel with a real mention of the asker only', async () => {
    const data: ReplyJobData = {
      askJobId: 'ask-slack-x',
      team: 'T1',
      platform: 'slack',
      userId: 'U9',
      userName: 'grace',
      channel: 'C9',
      target: 'scout',
      routeReason: 'auto → Scout: light prompt',
      outcome: {
        ok: true,
        answer: 'It is 4. <!here> <@U123>',
        finishReason: 'stop',
        receipt: testReceipt({
          promptTokens: 10,
          completionTokens: 5,
          tokensPerSec: 50,
          latencyMs: 1200,
          costUsd: 0.0001,
          costBasis: 'electricity',
          teamWeekUsd: 1,
          userWeekUsd: 0.5,
        }),
      },
    };
    const before = apiCalls('chat.postMessage').length;
    await adapter.deliverOrphan(data);
    await adapter.deliverOrphan({ ...data, channel: undefined });
    const calls = apiCalls('chat.postMessage').slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body.channel).toBe('C9');
    expect(calls[0]?.body.text).toMatch(/^<@U9>, your \/ask answer:/);
    expect(sectionTexts(calls[0]?.body)[0]).toMatch(
      /^<@U9>, your \/ask answer:\n\nIt is 4\. &lt;!here&gt; &lt;@U123&gt;/,
    );
    expect(new Set(mentionsIn(calls[0]?.body))).toEqual(new Set(['<@U9>']));
  });

  it('GIVEN everything above THEN no token, secret or prompt text was logged at info', () => {
    const log = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(log).not.toContain(BOT_TOKEN);
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('mavrick');
    expect(log).not.toContain('late answer');
  });
});

describe('toSlackMessages', () => {
  it('GIVEN 130,000 characters THEN messages of at most 40 blocks and sections of at most 3,000, nothing cut', () => {
    const text = Array.from({ length: 13_000 }, (_, i) => `word${i}`).join(' ');
    const messages = toSlackMessages({ title: 'Long', text, footer: 'end' });
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) expect(m.blocks.length).toBeLessThanOrEqual(40);
    const sections = messages.flatMap((m) => sectionTexts(m));
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(SECTION_LIMIT);
    expect(sections.join(' ').split(/\s+/)).toEqual(text.split(' '));
    expect(messages[0]?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Long' } });
    expect(messages.at(-1)?.blocks.at(-1)).toMatchObject({ type: 'context' });
  });

  it('GIVEN text that grows when escaped THEN each section still fits after escaping', () => {
    const text = '<&> '.repeat(2000);
    const sections = toSlackMessages({ text }).flatMap((m) => sectionTexts(m));
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(SECTION_LIMIT);
    expect(unescapeSlack(sections.join(' ')).replace(/\s+/g, ' ').trim()).toBe(text.trim());
  });

  it('GIVEN a fence followed by a 2,992-character word THEN it returns, sections within 3,000', () => {
    const text = `\`\`\`${'a'.repeat(2992)}\n${'b'.repeat(100)}\n\`\`\``;
    const sections = toSlackMessages({ text }).flatMap((m) => sectionTexts(m));
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(SECTION_LIMIT);
    expect(sections.join('')).toContain('b'.repeat(100));
  });

  it('GIVEN a 3,500-character blob in a code block THEN three sections in one message, not thousands', () => {
    const text = `Here is the blob:\n\n\`\`\`${'A'.repeat(3500)}\n\`\`\`\nDone.`;
    const messages = toSlackMessages({ text });
    expect(messages).toHaveLength(1);
    expect(sectionTexts(messages[0])).toHaveLength(3);
  });
});

describe('manifest.yml', () => {
  it('GIVEN the command specs THEN the committed manifest is the generated one', () => {
    const committed = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');
    expect(committed).toBe(slackManifest(commands.map((c) => c.spec)));
    for (const name of ['/fit', '/ask', '/spend', '/help']) expect(committed).toContain(`command: "${name}"`);
    expect(committed).toContain('socket_mode_enabled: true');
  });
});
