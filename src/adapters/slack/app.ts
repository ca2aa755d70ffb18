import type { AddressInfo } from 'node:net';
import { App, type Logger as BoltLogger, LogLevel, type RespondFn } from '@slack/bolt';
import { orphanReply } from '../../ask/present.ts';
import type { ContextFactory, FollowUp } from '../../command/command.ts';
import { type DispatchOptions, dispatch } from '../../command/dispatch.ts';
import type { Reply } from '../../command/reply.ts';
import { splitText } from '../../command/split.ts';
import type { SlackConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { FitbotMetrics } from '../../ops/metrics.ts';
import type { ReplyJobData } from '../../queue/jobs.ts';
import { ackFirstQueue } from '../ack-first.ts';
import { escapeSlack, mrkdwnText, SLACK_LIMITS, type SlackMessage, toSlack, unescapeSlack } from './render.ts';

// A response_url takes at most 5 messages within 30 minutes of the command
// (api.slack.com/interactivity/handling#message_responses).
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
// Slack takes 50 blocks a message (SLACK_LIMITS.blocks); 40 leaves room for the fallback's mention.
const BLOCKS_PER_MESSAGE = 40;
const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

export interface SlackAdapterOptions {
  config: SlackConfig;
  dispatch: DispatchOptions;
  makeContext: ContextFactory;
  log: Logger;
  /** Command names without the slash, e.g. `fit`. */
  commandNames: readonly string[];
  /** Clock for the response_url lifetime, ms since the epoch. */
  now?: () => number;
  /** Acknowledge latency for /metrics. */
  metrics?: Pick<FitbotMetrics, 'observeAck'>;
}

export interface SlackAdapter {
  app: App;
  /** Posts an /ask answer whose response_url is gone to its channel, mentioning the asker. */
  deliverOrphan(data: ReplyJobData): Promise<void>;
  /** Posts a message (a weekly summary, a budget warning) to a channel, then uploads its image if any (files.uploadV2). */
  post(channel: string, reply: Reply): Promise<void>;
  /** Waits for commands in flight, then stops receiving. */
  close(): Promise<void>;
  /** HTTP mode: the port it listens on. */
  port?: number;
}

/**
 * Text pieces whose escaped form fits one section block, so toSlack never has to
 * cut one. Escaping can grow text (`<` → `&lt;`), so the split is redone with a
 * smaller limit until the longest escaped piece fits; pieces stay even.
 */
function sectionPieces(text: string): string[] {
  let limit: number = SLACK_LIMITS.section;
  for (;;) {
    const pieces = splitText(text, limit);
    const longest = Math.max(...pieces.map((p) => escapeSlack(p).length));
    if (longest <= SLACK_LIMITS.section) return pieces;
    limit = Math.floor((limit * SLACK_LIMITS.section) / longest);
  }
}

/** A Reply as one or more Slack messages: long text split at paragraphs, never cut; at most 40 blocks each. */
export function toSlackMessages(reply: Reply): SlackMessage[] {
  const { title, text, fields, code, footer, ...rest } = reply;
  const pieces = text ? sectionPieces(text) : [undefined];
  const parts = pieces.map((piece, i) =>
    toSlack({
      ...rest,
      ...(i === 0 ? { title } : {}),
      text: piece,
      ...(i === pieces.length - 1 ? { fields, code, footer } : {}),
    }),
  );
  const messages: SlackMessage[] = [];
  for (const part of parts) {
    const last = messages.at(-1);
    if (last && last.blocks.length + part.blocks.length <= BLOCKS_PER_MESSAGE) last.blocks.push(...part.blocks);
    else messages.push({ ...part, blocks: [...part.blocks] });
  }
  return messages;
}

/** The asker's mention, the one mention fitbot writes itself; anything but a user id stays plain text. */
function mentionOf(userId: string): string {
  return SLACK_USER_ID.test(userId) ? `<@${userId}>` : escapeSlack(`@${userId}`);
}

/** Bolt's log lines into ours. Debug is dropped: the WebClient logs request bodies (answers) there. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (msg: unknown[]) => `slack: ${msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`;
  return {
    debug: () => {},
    info: (...msg) => level !== LogLevel.WARN && level !== LogLevel.ERROR && log.info(line(msg)),
    warn: (...msg) => level !== LogLevel.ERROR && log.warn(line(msg)),
    error: (...msg) => log.error(line(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Starts the Bolt app (Socket Mode or HTTP) with one listener for the slash commands. Rejects if auth.test fails. */
export async function startSlack(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  const common = {
    token: config.botToken,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    clientOptions: { slackApiUrl: config.apiUrl },
    // auth.test then runs in init(), so a bad token or URL rejects here instead of escaping as an unhandled rejection.
    deferInitialization: true,
    // fitbot keeps no conversation state; Bolt's store would be read (and miss) on every request before the ack.
    convoStore: false as const,
  };
  if (config.mode === 'socket' && !config.appToken) throw new Error('Slack Socket Mode needs an app token (xapp-…)');
  if (config.mode === 'http' && !config.signingSecret) throw new Error('Slack HTTP mode needs a signing secret');
  const app =
    config.mode === 'socket'
      ? new App({ ...common, appToken: config.appToken, socketMode: true })
      : new App({ ...common, signingSecret: config.signingSecret, endpoints: '/slack/events' });
  await app.init();
  app.error(async (error) => log.error('slack listener failed', { error }));

  /** Posts to the channel, for when the response_url is spent; ephemeral replies stay ephemeral. */
  async function postToChannel(channel: string, userId: string, message: SlackMessage): Promise<void> {
    if (message.response_type === 'ephemeral') {
      await app.client.chat.postEphemeral({ channel, user: userId, text: message.text, blocks: message.blocks });
      return;
    }
    const mention = mentionOf(userId);
    await app.client.chat.postMessage({
      channel,
      text: `${mention} ${message.text}`,
      blocks: [{ type: 'section', text: mrkdwnText(`${mention}, your answer:`) }, ...message.blocks],
    });
  }

  /** Delivers a command's replies in order: its response_url while usable, then the channel. Rejects if both fail. */
  function deliverer(respond: RespondFn, channel: string, userId: string): FollowUp {
    const createdAtMs = now();
    let uses = 0;
    let usable = true;
    let queue: Promise<unknown> = Promise.resolve();
    const send = async (message: SlackMessage) => {
      if (usable && uses < RESPONSE_URL_MAX_USES && now() - createdAtMs < RESPONSE_URL_LIFETIME_MS) {
        uses += 1;
        try {
          await respond(message);
          return;
        } catch (error) {
          usable = false;
          log.warn('slack response_url failed; posting to the channel', { channel, error });
        }
      }
      await postToChannel(channel, userId, message);
    };
    return (reply) => {
      const delivered = queue.then(async () => {
        for (const message of toSlackMessages(reply)) await send(message);
      });
      queue = delivered.catch(() => {});
      return delivered;
    };
  }

  const inFlight = new Set<Promise<unknown>>();
  const afterAcks = ackFirstQueue();
  // One listener for all the commands: Bolt runs every listener's matchers on every request before the ack,
  // and one listener instead of six cut the bot's CPU for 200 acks by a quarter (docs/BENCHMARKS.md).
  const names = options.commandNames.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  app.command(new RegExp(`^/(?:${names.join('|')})$`), async ({ command, ack, respond }) => {
    // First, before any work: Slack shows the user an error after 3 s without an ack.
    const receivedAtMs = now();
    await ack();
    options.metrics?.observeAck('slack', (now() - receivedAtMs) / 1000);
    const name = command.command.slice(1);
    const work = (async () => {
      // The work waits for the acks of requests that arrived meanwhile: under a burst they would queue behind it.
      await afterAcks();
      const deliver = deliverer(respond, command.channel_id, command.user_id);
      let answered = false;
      const followUp: FollowUp = (reply) => {
        answered = true;
        return deliver(reply);
      };
      const ctx = options.makeContext({
        platform: 'slack',
        team: command.team_id,
        user: { id: command.user_id, name: command.user_name, admin: config.adminUserIds.includes(command.user_id) },
        channel: command.channel_id,
        interactionId: command.trigger_id,
        followUp,
      });
      log.info('slack command', { command: name, team: command.team_id });
      const line = `/${name} ${unescapeSlack(command.text)}`;
      const reply = await dispatch({ kind: 'text', line }, ctx, options.dispatch);
      // An answer that came before the "queued" notice makes the notice stale: skip it.
      if (reply.awaiting && answered) return;
      await deliver(reply);
    })().catch((error) => log.error('slack delivery failed', { command: name, team: command.team_id, error }));
    inFlight.add(work);
    await work;
    inFlight.delete(work);
  });

  let port: number | undefined;
  if (config.mode === 'http') port = ((await app.start(config.port)).address() as AddressInfo).port;
  else await app.start();
  log.info('slack adapter started', { mode: config.mode, ...(port !== undefined ? { port } : {}) });

  return {
    app,
    ...(port !== undefined ? { port } : {}),
    async deliverOrphan(data) {
      if (!data.channel) {
        log.warn('slack: an /ask answer has no channel to go to', { askJobId: data.askJobId, team: data.team });
        return;
      }
      const mention = mentionOf(data.userId);
      const escaped = escapeSlack(mention);
      // render.ts escapes the whole text, our mention with it; restore the one leading mention we wrote.
      const restore = (text: string) => (text.startsWith(escaped) ? mention + text.slice(escaped.length) : text);
      for (const [i, message] of toSlackMessages(orphanReply(data, mention)).entries()) {
        const blocks = message.blocks.map((block, b) =>
          i === 0 && b === 0 && block.type === 'section'
            ? { ...block, text: { ...block.text, text: restore(block.text.text) } }
            : block,
        );
        const text = i === 0 ? restore(message.text) : message.text;
        await app.client.chat.postMessage({ channel: data.channel, text, blocks });
      }
    },
    async post(channel, reply) {
      for (const message of toSlackMessages(reply)) {
        await app.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      }
      const { image } = reply;
      if (image) {
        await app.client.files.uploadV2({
          channel_id: channel,
          file: Buffer.from(image.png),
          filename: image.filename,
          alt_text: image.alt,
          title: image.alt,
        });
      }
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      await app.stop();
    },
  };
}
