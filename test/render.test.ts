import { describe, expect, it } from 'vitest';
import { toText } from '../src/adapters/console/render.ts';
import { toDiscord } from '../src/adapters/discord/render.ts';
import { toSlack } from '../src/adapters/slack/render.ts';
import type { Reply } from '../src/command/reply.ts';

/** One case table for every renderer. */
const CASES: { name: string; reply: Reply; discord: unknown; slack: unknown; text: string }[] = [
  {
    name: 'a plain error',
    reply: { text: "unknown model 'mavrick' — did you mean maverick?", tone: 'error', ephemeral: true },
    discord: {
      content: "unknown model 'mavrick' — did you mean maverick?",
      embeds: [],
      allowed_mentions: { parse: [] },
      flags: 64,
    },
    slack: {
      text: "unknown model 'mavrick' — did you mean maverick?",
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: "unknown model 'mavrick' — did you mean maverick?", verbatim: true },
        },
      ],
      response_type: 'ephemeral',
    },
    text: "unknown model 'mavrick' — did you mean maverick?",
  },
  {
    name: 'a structured answer with fields, code and footer',
    reply: {
      title: 'Scout Q4_K_M on RTX 4090: fits',
      text: '**Fits**, with 3.0 GB to spare.',
      fields: [{ name: 'Speed', value: '~19 tok/s est.' }],
      code: 'llama-server -ngl 99',
      footer: 'est. = estimate',
      tone: 'success',
    },
    discord: {
      embeds: [
        {
          title: 'Scout Q4_K_M on RTX 4090: fits',
          description: '**Fits**, with 3.0 GB to spare.\n```\nllama-server -ngl 99\n```',
          color: 0x2ecc71,
          fields: [{ name: 'Speed', value: '~19 tok/s est.' }],
          footer: { text: 'est. = estimate' },
        },
      ],
      allowed_mentions: { parse: [] },
    },
    slack: {
      text: 'Scout Q4_K_M on RTX 4090: fits — Fits, with 3.0 GB to spare.',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Scout Q4_K_M on RTX 4090: fits' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Fits*, with 3.0 GB to spare.', verbatim: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Speed*\n~19 tok/s est.', verbatim: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '```llama-server -ngl 99```', verbatim: true } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'est. = estimate', verbatim: true }] },
      ],
      response_type: 'in_channel',
    },
    text: 'Scout Q4_K_M on RTX 4090: fits\n\nFits, with 3.0 GB to spare.\n\nSpeed:\n  ~19 tok/s est.\n\nRun it:\n  llama-server -ngl 99\n\nest. = estimate',
  },
  {
    name: 'text that tries to mention everyone',
    reply: { text: 'hi @everyone <!channel> <@U123> <!subteam^S1>' },
    discord: { content: 'hi @everyone <!channel> <@U123> <!subteam^S1>', embeds: [], allowed_mentions: { parse: [] } },
    slack: {
      text: 'hi @everyone &lt;!channel&gt; &lt;@U123&gt; &lt;!subteam^S1&gt;',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'hi @everyone &lt;!channel&gt; &lt;@U123&gt; &lt;!subteam^S1&gt;',
            verbatim: true,
          },
        },
      ],
      response_type: 'in_channel',
    },
    text: 'hi @everyone <!channel> <@U123> <!subteam^S1>',
  },
];

describe.each(CASES)('renderers: $name', ({ reply, discord, slack, text }) => {
  it('GIVEN the reply THEN Discord JSON is exact', () => expect(toDiscord(reply)).toEqual(discord));
  it('GIVEN the reply THEN Slack JSON is exact', () => expect(toSlack(reply)).toEqual(slack));
  it('GIVEN the reply THEN console text is exact', () => expect(toText(reply)).toBe(text));
});

describe('platform limits', () => {
  it('GIVEN oversized parts THEN Discord and Slack cut them to their limits', () => {
    const long = 'x'.repeat(5000);
    const reply: Reply = { title: long, text: long, fields: [{ name: long, value: long }], footer: long };
    const embed = toDiscord(reply).embeds[0];
    expect(embed?.title?.length).toBe(256);
    expect(embed?.description?.length).toBe(4096);
    expect(embed?.fields?.[0]?.value.length).toBe(1024);
    const blocks = toSlack(reply).blocks;
    expect(blocks[0]).toMatchObject({ type: 'header' });
    for (const b of blocks) {
      const t = 'text' in b ? b.text.text : b.elements[0]?.text;
      expect(t?.length).toBeLessThanOrEqual(3000);
    }
  });
  it('GIVEN an emoji where a cut falls THEN Discord and Slack drop it whole, never half of it', () => {
    const lonely = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    // The cut keeps limit - 1 characters before the ellipsis: the emoji's halves sit at 254/255 and 148/149.
    const discordTitle = toDiscord({ title: `${'a'.repeat(254)}😀${'b'.repeat(10)}` }).embeds[0]?.title ?? '';
    expect(discordTitle).toBe(`${'a'.repeat(254)}…`);
    const slackHeader = toSlack({ title: `${'a'.repeat(148)}😀${'b'.repeat(10)}` }).blocks[0];
    const headerText = slackHeader && 'text' in slackHeader ? slackHeader.text.text : '';
    expect(headerText).toBe(`${'a'.repeat(148)}…`);
    expect(lonely.test(discordTitle) || lonely.test(headerText)).toBe(false);
  });
});

describe('an /ask answer with its receipt', () => {
  it('GIVEN text and a footer only THEN Discord still shows the receipt (in an embed)', () => {
    const message = toDiscord({ text: '4', footer: 'Scout · $0.01', tone: 'info' });
    expect(message.embeds[0]?.footer).toEqual({ text: 'Scout · $0.01' });
    expect(message.embeds[0]?.description).toBe('4');
  });
});
