import type { Reply } from '../../command/reply.ts';
import { truncate } from '../../command/split.ts';

// Discord limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
// title 256, description 4096, 25 fields, field name 256 and value 1024, footer 2048,
// 6000 characters in all embeds of a message; message content 2000.
export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  content: 2000,
} as const;

/** MessageFlags.Ephemeral (1 << 6). */
export const EPHEMERAL_FLAG = 64;

const COLOURS: Readonly<Record<NonNullable<Reply['tone']>, number>> = {
  info: 0x5865f2,
  success: 0x2ecc71,
  warning: 0xf1c40f,
  error: 0xe74c3c,
};

export interface DiscordMessage {
  content?: string;
  embeds: {
    title?: string;
    description?: string;
    color: number;
    fields?: { name: string; value: string; inline?: boolean }[];
    footer?: { text: string };
  }[];
  /** Nothing the bot sends pings anyone: no @everyone, @here, roles or users. */
  allowed_mentions: { parse: [] };
  flags?: number;
}

/**
 * A Reply as a Discord message body (the JSON the REST API takes). Embeds hold
 * structured answers; a bare text reply goes in `content`.
 */
export function toDiscord(reply: Reply): DiscordMessage {
  const code = reply.code ? `\n\`\`\`\n${reply.code}\n\`\`\`` : '';
  const description = `${reply.text ?? ''}${code}`.trim();
  // Anything beyond plain text (a title, fields, a receipt footer) goes in an embed.
  const structured = reply.title !== undefined || (reply.fields?.length ?? 0) > 0 || reply.footer !== undefined;
  const message: DiscordMessage = { embeds: [], allowed_mentions: { parse: [] } };
  if (structured) {
    message.embeds.push({
      ...(reply.title ? { title: truncate(reply.title, DISCORD_LIMITS.title) } : {}),
      ...(description ? { description: truncate(description, DISCORD_LIMITS.description) } : {}),
      color: COLOURS[reply.tone ?? 'info'],
      ...(reply.fields?.length
        ? {
            fields: reply.fields.slice(0, DISCORD_LIMITS.fields).map((f) => ({
              name: truncate(f.name, DISCORD_LIMITS.fieldName),
              value: truncate(f.value, DISCORD_LIMITS.fieldValue),
              ...(f.inline ? { inline: true } : {}),
            })),
          }
        : {}),
      ...(reply.footer ? { footer: { text: truncate(reply.footer, DISCORD_LIMITS.footer) } } : {}),
    });
  } else {
    message.content = truncate(description, DISCORD_LIMITS.content);
  }
  if (reply.ephemeral) message.flags = EPHEMERAL_FLAG;
  return message;
}
