import {
  type ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
} from 'discord.js';
import { orphanReply } from '../../ask/present.ts';
import type { ContextFactory, FollowUp } from '../../command/command.ts';
import { type DispatchOptions, dispatch } from '../../command/dispatch.ts';
import type { Reply, ReplyField } from '../../command/reply.ts';
import { splitText } from '../../command/split.ts';
import type { DiscordConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { FitbotMetrics } from '../../ops/metrics.ts';
import type { ReplyJobData } from '../../queue/jobs.ts';
import { ackFirstQueue } from '../ack-first.ts';
import { DISCORD_LIMITS, type DiscordMessage, toDiscord } from './render.ts';

/** All embeds of one message together (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
const EMBED_TOTAL_CHARS = 6000;
/** Interaction tokens are valid for 15 minutes (discord.com/developers/docs/interactions/receiving-and-responding). */
const TOKEN_LIFETIME_MS = 15 * 60_000;
/** The answer to a command in a DM: a team is a server, and its budget and spend are kept there. */
const DM_REFUSAL = 'fitbot works in a server: run the command in a channel of your team’s server.';
/** Edit only with a minute to spare: an answer in several messages must finish before the token dies. */
const TOKEN_MARGIN_MS = 60_000;
/** Room in plain content for the asker's mention in a channel post: `<@`, a snowflake of up to 20 digits, `> `. */
const MENTION_CHARS = 24;

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  dispatch: DispatchOptions;
  makeContext: ContextFactory;
  log: Logger;
  /** Clock for the token's age, ms since the epoch. */
  now?: () => number;
  /** Acknowledge latency for /metrics. */
  metrics?: Pick<FitbotMetrics, 'observeAck'>;
}

export interface DiscordAdapter {
  client: Client;
  /** Posts an answer whose interaction is gone (the bot restarted) to its channel, pinging only the asker. */
  deliverOrphan(data: ReplyJobData): Promise<void>;
  /** Posts a message (a weekly summary, a budget warning) to a channel, pinging nobody, with its image attached. */
  post(channelId: string, reply: Reply): Promise<void>;
  close(): Promise<void>;
}

/** The reply's body as toDiscord composes it (text, then the code block), so a split keeps fences balanced. */
function bodyOf(reply: Reply): string {
  return `${reply.text ?? ''}${reply.code ? `\n\`\`\`\n${reply.code}\n\`\`\`` : ''}`.trim();
}

/** Room in every embed title for the " (12/12)" piece marker and the ellipsis of a cut title. */
const MARK_CHARS = 16;

/** What a field counts toward EMBED_TOTAL_CHARS once toDiscord has cut it. */
function fieldChars(field: ReplyField): number {
  return (
    Math.min(field.name.length, DISCORD_LIMITS.fieldName) + Math.min(field.value.length, DISCORD_LIMITS.fieldValue)
  );
}

/**
 * A reply in pieces that each fit one message: embeds keep the title (marked
 * with the piece number) so continuations stay embeds. Fields fill the last
 * text's embed, then further embeds, each within Discord's 6,000 characters
 * for all its parts; the footer goes on the last.
 * `reserveChars` leaves room in plain content for a mention.
 */
function splitReply(reply: Reply, reserveChars = 0): Reply[] {
  const body = bodyOf(reply);
  const common = { ...(reply.tone ? { tone: reply.tone } : {}), ...(reply.ephemeral ? { ephemeral: true } : {}) };
  // As toDiscord decides: a title, fields or a footer make an embed.
  const structured = reply.title !== undefined || (reply.fields?.length ?? 0) > 0 || reply.footer !== undefined;
  if (!structured) {
    const limit = DISCORD_LIMITS.content - reserveChars;
    return body.length <= limit ? [reply] : splitText(body, limit).map((text) => ({ text, ...common }));
  }
  const fields = reply.fields ?? [];
  // Every embed holds the numbered title and room for the footer.
  const frame =
    Math.min(reply.title?.length ?? 0, DISCORD_LIMITS.title) +
    MARK_CHARS +
    Math.min(reply.footer?.length ?? 0, DISCORD_LIMITS.footer);
  const fieldsTotal = fields.reduce((n, f) => n + fieldChars(f), 0);
  if (
    body.length <= DISCORD_LIMITS.description &&
    fields.length <= DISCORD_LIMITS.fields &&
    frame - MARK_CHARS + body.length + fieldsTotal <= EMBED_TOTAL_CHARS
  ) {
    return [reply];
  }
  const texts = body ? splitText(body, Math.min(DISCORD_LIMITS.description, EMBED_TOTAL_CHARS - frame)) : [];
  const groups = texts.map((text) => ({ text, fields: [] as ReplyField[], chars: frame + text.length }));
  for (const field of fields) {
    let last = groups.at(-1);
    if (!last || last.chars + fieldChars(field) > EMBED_TOTAL_CHARS || last.fields.length === DISCORD_LIMITS.fields) {
      last = { text: '', fields: [], chars: frame };
      groups.push(last);
    }
    last.fields.push(field);
    last.chars += fieldChars(field);
  }
  return groups.map((group, i) => {
    const mark = `(${i + 1}/${groups.length})`;
    return {
      title: reply.title ? `${reply.title} ${mark}` : mark,
      ...(group.text ? { text: group.text } : {}),
      ...(group.fields.length ? { fields: group.fields } : {}),
      ...(i === groups.length - 1 && reply.footer ? { footer: reply.footer } : {}),
      ...common,
    };
  });
}

/** discord.js's options for a rendered message; `content: ''` on edits clears an earlier text. */
function messageOptions(message: DiscordMessage, edit = false) {
  return {
    ...(message.content !== undefined || edit ? { content: message.content ?? '' } : {}),
    embeds: message.embeds,
    allowedMentions: { parse: [] },
  };
}

/**
 * What the channel sees instead of a private reply that can no longer be sent
 * privately (the interaction token expired or was refused): that it exists, not
 * what it says, so the asker knows to run the command again.
 */
function privateReplyNote(commandName: string): Reply {
  return {
    text: `fitbot's reply to your /${commandName} is private, and Discord sends private replies only within 15 minutes of the command: run it again to see it.`,
    tone: 'warning',
  };
}

/** The token was refused: it expired, or the original message is gone. */
function tokenRefused(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 401 || error.status === 404);
}

/** Starts the Discord bot: logs in, resolves once the gateway is ready, and answers slash commands. */
export async function startDiscord(adapterOptions: DiscordAdapterOptions): Promise<DiscordAdapter> {
  const { config, log } = adapterOptions;
  const now = adapterOptions.now ?? Date.now;
  const afterAcks = ackFirstQueue();
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: config.apiUrl },
    allowedMentions: { parse: [] },
  });

  /** Posts pieces (of splitReply with MENTION_CHARS) to a channel by REST (no channel cache needed), pinging only `userId`, named first. */
  const postToChannel = async (channelId: string, pieces: Reply[], userId: string) => {
    const mention = `<@${userId}>`;
    for (const [i, piece] of pieces.entries()) {
      const message = toDiscord({ ...piece, ephemeral: false });
      const body =
        i > 0
          ? message
          : {
              ...message,
              content: message.content?.includes(mention)
                ? message.content
                : `${mention} ${message.content ?? ''}`.trim(),
              allowed_mentions: { users: [userId] },
            };
      await client.rest.post(Routes.channelMessages(channelId), { body });
    }
  };

  /**
   * Replaces the deferred "thinking…" message with the reply's pieces; a private
   * reply (every UserError) goes only to the asker. `progress.sent` counts the
   * pieces delivered, so a fallback after a refused token posts only the rest.
   */
  const deliver = async (interaction: ChatInputCommandInteraction, pieces: Reply[], progress = { sent: 0 }) => {
    const messages = pieces.map(toDiscord);
    if (pieces[0]?.ephemeral) {
      // The deferral had to be public (the outcome was unknown within 3 s): remove it, answer privately.
      // Only `ephemeral` decides: a red "does not fit" verdict (tone error) is an answer for the channel.
      await interaction.deleteReply();
      for (const m of messages) {
        await interaction.followUp({ ...messageOptions(m), flags: MessageFlags.Ephemeral });
        progress.sent++;
      }
      return;
    }
    for (const [i, m] of messages.entries()) {
      if (i === 0) await interaction.editReply(messageOptions(m, true));
      else await interaction.followUp(messageOptions(m));
      progress.sent++;
    }
  };

  const handle = async (interaction: ChatInputCommandInteraction) => {
    const receivedAtMs = now();
    const team = interaction.guildId;
    if (!team) {
      // Registered for servers only (GUILD_ONLY); an older registration may still offer the commands in DMs.
      await interaction.reply({ content: DM_REFUSAL, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    const fields = { command: interaction.commandName, team, interactionId: interaction.id };
    await interaction.deferReply();
    adapterOptions.metrics?.observeAck('discord', (now() - receivedAtMs) / 1000);
    // Deferrals of interactions that arrived meanwhile go out before this command's work.
    await afterAcks();
    log.info('discord command', fields);
    let answered = false;
    let first: Promise<void> | undefined;
    const followUp: FollowUp = async (answer) => {
      answered = true;
      await first?.catch(() => {});
      // Split once, with room for the mention, so a fallback posts the very pieces not yet delivered.
      const pieces = splitReply(answer, MENTION_CHARS);
      const progress = { sent: 0 };
      if (now() - receivedAtMs < TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS) {
        try {
          return await deliver(interaction, pieces, progress);
        } catch (error) {
          if (!tokenRefused(error)) throw error;
          log.warn('discord reply token refused; posting to the channel', { ...fields, sent: progress.sent, error });
        }
      }
      // Only an interaction can answer privately: a private reply never goes to the channel, only a note that it exists.
      const rest = answer.ephemeral ? [privateReplyNote(interaction.commandName)] : pieces.slice(progress.sent);
      await postToChannel(interaction.channelId, rest, interaction.user.id);
    };
    const values = Object.fromEntries(interaction.options.data.map((o) => [o.name, o.value]));
    const ctx = adapterOptions.makeContext({
      platform: 'discord',
      team,
      user: {
        id: interaction.user.id,
        name: interaction.user.username,
        admin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
      },
      channel: interaction.channelId,
      interactionId: interaction.id,
      followUp,
    });
    const reply = await dispatch(
      { kind: 'named', name: interaction.commandName, values },
      ctx,
      adapterOptions.dispatch,
    );
    // The answer came before the "queued" notice could be shown: showing the notice now would hide the answer.
    if (reply.awaiting && answered) return;
    first = deliver(interaction, splitReply(reply));
    await first;
  };

  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const fields = { command: interaction.commandName, team: interaction.guildId, interactionId: interaction.id };
    void handle(interaction).catch((error: unknown) => log.error('discord interaction failed', { ...fields, error }));
  });
  client.on(Events.Error, (error) => log.error('discord client error', { error }));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  log.info('discord ready', { user: client.user?.id, applicationId: config.applicationId });

  return {
    client,
    async deliverOrphan(data) {
      if (!data.channel) {
        log.warn('discord answer has no channel to post to', { jobId: data.askJobId, team: data.team });
        return;
      }
      await postToChannel(data.channel, splitReply(orphanReply(data, `<@${data.userId}>`), MENTION_CHARS), data.userId);
    },
    async post(channelId, reply) {
      const { image } = reply;
      for (const [i, piece] of splitReply(reply).entries()) {
        const message = toDiscord({ ...piece, ephemeral: false });
        const attach = i === 0 && image !== undefined;
        // An embed shows the attached chart inside it; without one, the file shows under the text.
        const [embed, ...embeds] = message.embeds;
        const body =
          attach && embed
            ? { ...message, embeds: [{ ...embed, image: { url: `attachment://${image.filename}` } }, ...embeds] }
            : message;
        await client.rest.post(Routes.channelMessages(channelId), {
          body: attach ? { ...body, attachments: [{ id: 0, filename: image.filename, description: image.alt }] } : body,
          ...(attach
            ? { files: [{ name: image.filename, data: Buffer.from(image.png), contentType: 'image/png' }] }
            : {}),
        });
      }
    },
    close: () => client.destroy(),
  };
}
