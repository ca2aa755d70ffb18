import type { IncomingMessage, ServerResponse } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { formParts, listenLoopback, readBody } from './http.ts';

/** A REST request as the fake received it. */
export interface DiscordRequest {
  method: string;
  /** Path without the `/api/v10` prefix and the query, still URL-encoded: `/webhooks/APP/TOKEN/messages/%40original`. */
  route: string;
  query: URLSearchParams;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of the JSON body the client sent.
  body: any;
  headers: Record<string, string | string[] | undefined>;
  /** `performance.now()` in this process when the request arrived, before its body was read (benchmarks time acks with it). */
  receivedAtMs: number;
  /** Files of a multipart request (the body is its `payload_json`). */
  files?: { name: string; contentType: string; data: Buffer }[];
}

/** A canned error for the next request that matches. */
export interface FailRule {
  method: string;
  route: RegExp;
  status: number;
  body: unknown;
}

/** The options of one slash command as Discord sends them (`data.options`). */
export type CommandOptionJson = { name: string; type: 3 | 4 | 10; value: string | number };

/** A running fake Discord (REST under `/api/v10` and a JSON gateway) on loopback. */
export interface FakeDiscord {
  /** `http://127.0.0.1:PORT/api`: DiscordConfig.apiUrl. */
  apiUrl: string;
  applicationId: string;
  /** The bot user sent in READY. */
  botUserId: string;
  requests: DiscordRequest[];
  /** What the client sent in IDENTIFY (op 2), once it has. */
  identified: { token?: string };
  /** Sends INTERACTION_CREATE to every connected gateway session. */
  dispatchInteraction(payload: unknown): void;
  /** Dispatches a chat-input command with a fresh snowflake id and token; returns them. */
  sendCommand(o: Omit<InteractionOptions, 'id' | 'token'>): { id: string; token: string };
  /** The next request matching `rule.method` and `rule.route` gets `rule.status` and `rule.body`. */
  failNext(rule: FailRule): void;
  /** The first recorded request (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (r: DiscordRequest) => boolean, timeoutMs?: number): Promise<DiscordRequest>;
  /** Stops the gateway and the HTTP server and destroys open sockets. */
  close(): Promise<void>;
}

export interface InteractionOptions {
  id: string;
  token: string;
  name: string;
  options?: CommandOptionJson[];
  guildId?: string;
  channelId?: string;
  user?: { id: string; username: string };
  /** The member's permissions bitfield in the guild (default: an ordinary member, without Manage Server). */
  permissions?: string;
}

const APPLICATION_ID = '100000000000000001';
const BOT_USER_ID = '100000000000000002';

/** Gateway opcodes (discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes). */
const OP = { dispatch: 0, heartbeat: 1, identify: 2, hello: 10, heartbeatAck: 11 } as const;

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * An INTERACTION_CREATE payload for a chat-input command, shaped like Discord's:
 * without `entitlements` and `authorizing_integration_owners` discord.js drops
 * the event silently, and without `channel` Interaction#channelId is null.
 */
export function commandInteraction(o: InteractionOptions): Record<string, unknown> {
  const user = {
    id: o.user?.id ?? '200000000000000001',
    username: o.user?.username ?? 'ada',
    discriminator: '0',
    global_name: null,
    avatar: null,
  };
  const guildId = o.guildId === undefined ? '300000000000000001' : o.guildId;
  const channelId = o.channelId ?? '400000000000000001';
  return {
    id: o.id,
    application_id: APPLICATION_ID,
    type: 2, // APPLICATION_COMMAND
    token: o.token,
    version: 1,
    ...(guildId === '' ? { user } : { guild_id: guildId, member: memberOf(user, o.permissions) }),
    channel_id: channelId,
    // discord.js 14 takes Interaction#channelId from this partial channel, not from channel_id.
    channel:
      guildId === ''
        ? { id: channelId, type: 1, flags: 0, recipients: [user] }
        : { id: channelId, type: 0, guild_id: guildId, name: 'general', flags: 0, permissions: '2248473465835073' },
    data: { id: '500000000000000001', name: o.name, type: 1, options: o.options ?? [] },
    entitlements: [],
    authorizing_integration_owners: guildId === '' ? { 1: user.id } : { 0: guildId },
    context: guildId === '' ? 1 : 0,
    locale: 'en-GB',
    guild_locale: 'en-GB',
    app_permissions: '2248473465835073',
  };
}

function memberOf(user: { id: string }, permissions = '2248473465835073') {
  return {
    user,
    roles: [],
    joined_at: '2026-01-01T00:00:00.000000+00:00',
    deaf: false,
    mute: false,
    flags: 0,
    permissions,
  };
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeDiscord(): Promise<FakeDiscord> {
  const requests: DiscordRequest[] = [];
  const waiters: { predicate: (r: DiscordRequest) => boolean; resolve: (r: DiscordRequest) => void }[] = [];
  const failures: FailRule[] = [];
  const sessions = new Set<WebSocket>();
  const identified: { token?: string } = {};
  let sequence = 0;
  let messages = 0;
  let origin = '';

  const record = (r: DiscordRequest) => {
    requests.push(r);
    for (const w of [...waiters]) {
      if (w.predicate(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  };

  /** A message object as Discord returns it; discord.js builds a Message from it. */
  const message = (body: Record<string, unknown>, channelId: string, webhook: boolean) => ({
    id: `600000000000${String(++messages).padStart(6, '0')}`,
    type: 0,
    channel_id: channelId,
    author: { id: BOT_USER_ID, username: 'fitbot', discriminator: '0', global_name: null, avatar: null, bot: true },
    content: body.content ?? '',
    embeds: body.embeds ?? [],
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: body.flags ?? 0,
    components: [],
    ...(webhook ? { webhook_id: APPLICATION_ID, application_id: APPLICATION_ID } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAtMs = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const route = url.pathname.replace(/^\/api\/v10/, '');
    const method = req.method ?? 'GET';
    const multipart = /^multipart\/form-data; *boundary=(.+)$/.exec(String(req.headers['content-type'] ?? ''));
    const parts = multipart?.[1] ? formParts(raw, multipart[1]) : undefined;
    const text = parts
      ? (parts.find((p) => p.name === 'payload_json')?.data.toString('utf8') ?? '')
      : raw.toString('utf8');
    const body = text === '' ? undefined : JSON.parse(text);
    const files = parts
      ?.filter((p) => p.filename !== undefined)
      .map((p) => ({ name: p.filename ?? '', contentType: p.contentType, data: p.data }));
    record({
      method,
      route,
      query: url.searchParams,
      body,
      headers: req.headers,
      receivedAtMs,
      ...(files ? { files } : {}),
    });
    const send = (status: number, json?: unknown) => {
      if (json === undefined) return void res.writeHead(status).end();
      res.writeHead(status, JSON_HEADERS).end(JSON.stringify(json));
    };

    const failure = failures.findIndex((f) => f.method === method && f.route.test(route));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return send(f?.status ?? 500, f?.body);
    }
    if (method === 'GET' && route === '/gateway/bot') {
      return send(200, {
        url: origin.replace(/^http/, 'ws'),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && route === '/users/@me') return send(200, botUser());
    if (method === 'POST' && /^\/interactions\/[^/]+\/[^/]+\/callback$/.test(route)) return send(204);
    const original = /^\/webhooks\/[^/]+\/[^/]+\/messages\/%40original$/.test(route);
    if (method === 'PATCH' && original) return send(200, message(body ?? {}, '400000000000000001', true));
    if (method === 'DELETE' && original) return send(204);
    if (method === 'POST' && /^\/webhooks\/[^/]+\/[^/]+$/.test(route)) {
      return send(200, message(body ?? {}, '400000000000000001', true));
    }
    // Bulk overwrite of slash commands (scripts/register-discord.ts): Discord answers with the commands it stored.
    if (method === 'PUT' && /^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands$/.test(route)) {
      return send(
        200,
        Array.isArray(body) ? body.map((c, i) => ({ id: `80000000000000${i}`, version: '1', ...c })) : [],
      );
    }
    const channel = /^\/channels\/([^/]+)\/messages$/.exec(route);
    if (method === 'POST' && channel?.[1]) return send(200, message(body ?? {}, channel[1], false));
    return send(404, { message: '404: Not Found', code: 0 });
  }

  const botUser = () => ({
    id: BOT_USER_ID,
    username: 'fitbot',
    discriminator: '0',
    global_name: null,
    avatar: null,
    bot: true,
    flags: 0,
  });

  const http = await listenLoopback(handle);
  origin = http.origin;
  const gateway = new WebSocketServer({ server: http.server });
  gateway.on('connection', (ws) => {
    sessions.add(ws);
    ws.on('close', () => sessions.delete(ws));
    const send = (payload: Record<string, unknown>) => ws.send(JSON.stringify({ s: null, t: null, ...payload }));
    send({ op: OP.hello, d: { heartbeat_interval: 41_250 } });
    ws.on('message', (data) => {
      const payload = JSON.parse(String(data)) as { op: number; d: unknown };
      if (payload.op === OP.heartbeat) return send({ op: OP.heartbeatAck });
      if (payload.op !== OP.identify) return;
      identified.token = (payload.d as { token?: string }).token;
      // READY without `guilds` crashes discord.js; an empty list makes it ready at once.
      send({
        op: OP.dispatch,
        s: ++sequence,
        t: 'READY',
        d: {
          v: 10,
          user: botUser(),
          guilds: [],
          session_id: 'fake-session',
          resume_gateway_url: origin.replace(/^http/, 'ws'),
          shard: [0, 1],
          application: { id: APPLICATION_ID, flags: 0 },
        },
      });
    });
  });

  const dispatchInteraction = (payload: unknown) => {
    const frame = JSON.stringify({ op: OP.dispatch, s: ++sequence, t: 'INTERACTION_CREATE', d: payload });
    for (const ws of sessions) ws.send(frame);
  };
  let interactions = 0;
  return {
    apiUrl: `${origin}/api`,
    applicationId: APPLICATION_ID,
    botUserId: BOT_USER_ID,
    requests,
    identified,
    dispatchInteraction,
    sendCommand(o) {
      interactions += 1;
      const id = `70000000000000${String(interactions).padStart(4, '0')}`;
      const token = `interaction-token-${interactions}`;
      dispatchInteraction(commandInteraction({ ...o, id, token }));
      return { id, token };
    },
    failNext(rule) {
      failures.push(rule);
    },
    waitFor(predicate, timeoutMs = 5000) {
      const seen = requests.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i < 0) return;
          waiters.splice(i, 1);
          reject(new Error(`no matching Discord request in ${timeoutMs} ms; saw ${describe(requests)}`));
        }, timeoutMs).unref();
      });
    },
    async close() {
      for (const ws of sessions) ws.terminate();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      await http.close();
    },
  };
}

function describe(requests: readonly DiscordRequest[]): string {
  const shown = requests.map(
    (r) => `${r.method} ${r.route}${r.body ? ` ${JSON.stringify(r.body).slice(0, 300)}` : ''}`,
  );
  return shown.join('\n') || 'nothing';
}
