import type { Reply } from '../../command/reply.ts';
import { truncate } from '../../command/split.ts';

// Slack limits (api.slack.com/reference/block-kit/blocks): header text 150,
// section text 3000, context element text 3000, 50 blocks per message.
export const SLACK_LIMITS = { header: 150, section: 3000, blocks: 50 } as const;

/**
 * Escape Slack's control characters so user or model text can never form
 * `<!channel>`, `<!here>`, `<@U…>` or `<!subteam^…>` mentions (api.slack.com/
 * reference/surfaces/formatting#escaping).
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * What the user typed, from a slash command's text: Slack sends `&`, `<` and `>` escaped as `&amp;`, `&lt;`
 * and `&gt;`, and a prompt about `a < b && c` must reach the model as written. `&amp;` goes last, so an
 * escaped `&lt;` (`&amp;lt;`) comes out as the `&lt;` the user typed.
 */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `**bold**` → Slack's `*bold*`, after escaping. */
function mrkdwn(text: string): string {
  return escapeSlack(text).replace(/\*\*([^*]+)\*\*/g, '*$1*');
}

type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: MrkdwnText }
  | { type: 'context'; elements: MrkdwnText[] };

/**
 * A mrkdwn text object. `verbatim: true` because these carry user and model text:
 * by default Slack would still link bare channel names and parse some mentions
 * that escaping leaves as plain text (api.slack.com/reference/block-kit/composition-objects#text).
 * Mentions written as `<@U…>` (only fitbot's own) still work.
 */
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}

export const mrkdwnText = (text: string): MrkdwnText => ({ type: 'mrkdwn', text, verbatim: true });

export interface SlackMessage {
  /** Fallback text for notifications and clients without blocks. */
  text: string;
  blocks: Block[];
  response_type: 'ephemeral' | 'in_channel';
}

const section = (text: string): Block => ({
  type: 'section',
  text: mrkdwnText(truncate(text, SLACK_LIMITS.section)),
});

/** A Reply as a Slack message with Block Kit blocks. */
export function toSlack(reply: Reply): SlackMessage {
  const blocks: Block[] = [];
  if (reply.title) {
    blocks.push({
      type: 'header',
      text: { type: 'plain_text', text: truncate(reply.title, SLACK_LIMITS.header) },
    });
  }
  if (reply.text) blocks.push(section(mrkdwn(reply.text)));
  for (const field of reply.fields ?? []) {
    blocks.push(section(`*${escapeSlack(field.name)}*\n${mrkdwn(field.value)}`));
  }
  if (reply.code) blocks.push(section(`\`\`\`${escapeSlack(reply.code)}\`\`\``));
  if (reply.footer)
    blocks.push({
      type: 'context',
      elements: [mrkdwnText(truncate(mrkdwn(reply.footer), SLACK_LIMITS.section))],
    });
  const fallback = [reply.title, reply.text].filter(Boolean).join(' — ');
  return {
    text: truncate(escapeSlack(fallback.replace(/\*\*/g, '')), SLACK_LIMITS.section),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
    response_type: reply.ephemeral ? 'ephemeral' : 'in_channel',
  };
}
