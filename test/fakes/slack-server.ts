import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SlackConfig } from '../../src/config.ts';
import { formParts, listenLoopback, readBody } from './http.ts';

/** One Web API call as the fake received it. */
export interface FakeApiCall {
  /** e.g. `chat.postMessage`. */
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of what the client sent.
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** One POST to a response_url. */
export interface FakeResponsePost {
  /** The id the test put in the URL (`responseUrl(id)`). */
  id: string;
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary Block Kit fields.
  body: any;
}

/** A file uploaded the files.uploadV2 way: an upload URL, the bytes, then completeUploadExternal. */
export interface FakeUpload {
  fileId: string;
  filename: string;
  altText?: string;
  bytes: Buffer;
  /** Set by files.completeUploadExternal: the channel it was shared to. */
  channel?: string;
}

/** A running fake Slack on loopback: the Web API and response_url endpoints on one port. */
export interface FakeSlack {
  uploads: FakeUpload[];
  /** Web API base for `clientOptions.slackApiUrl`, ending in `/`. */
  apiUrl: string;
  apiCalls: FakeApiCall[];
  responsePosts: FakeResponsePost[];
  /** A response_url that records what is POSTed to it under `id`. */
  responseUrl(id: string): string;
  /** From now on the response_url `id` answers 404, as Slack does once it has expired. */
  expire(id: string): void;
  /** Resolves once `check()` is true (polled), rejects after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops listening and destroys open sockets. */
  close(): Promise<void>;
}

/** The ids the fake's `auth.test` reports. */
export const FAKE_SLACK_IDS = { team: 'T0FAKE', botUser: 'U0BOT', bot: 'B0BOT' } as const;

/**
 * The WebClient posts `application/x-www-form-urlencoded` with objects (blocks)
 * as JSON strings; respond() posts JSON. Either way the test sees parsed objects.
 */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const parsed: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    parsed[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return parsed;
}

export interface FakeSlackOptions {
  /** Socket Mode: what `apps.connections.open` answers as its `url`; without it that method is unknown. */
  socketModeUrl?: string;
}

/** Starts a fake Slack Web API (`auth.test`, `chat.postMessage`, `chat.postEphemeral`) and response_url endpoint on 127.0.0.1, a free port. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const apiCalls: FakeApiCall[] = [];
  const uploads: FakeUpload[] = [];
  const responsePosts: FakeResponsePost[] = [];
  const expired = new Set<string>();
  let ts = 1_700_000_000;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const raw = await readBody(req);
    const upload = /^\/upload\/([^/]+)$/.exec(path);
    if (upload?.[1]) {
      const file = uploads.find((u) => u.fileId === upload[1]);
      // The file comes as a multipart form (web-api's uploadV2) or as the raw bytes.
      const boundary = /boundary=(.+)$/.exec(String(req.headers['content-type'] ?? ''))?.[1];
      const part = boundary ? formParts(raw, boundary).find((x) => x.filename !== undefined) : undefined;
      if (file) file.bytes = part?.data ?? raw;
      res.writeHead(file ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(file ? `OK - ${raw.length}` : 'not found');
      return;
    }
    const body = parseBody(raw.toString('utf8'), req.headers['content-type']);
    const respond = /^\/respond\/([^/]+)$/.exec(path);
    if (respond?.[1]) {
      const id = respond[1];
      const status = expired.has(id) ? 404 : 200;
      responsePosts.push({ id, status, body });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'expired_url');
      return;
    }
    const api = /^\/api\/([\w.]+)$/.exec(path);
    if (!api?.[1]) return json(res, 404, { ok: false, error: 'not_found' });
    const method = api[1];
    apiCalls.push({ method, body, headers: req.headers });
    ts += 1;
    switch (method) {
      case 'auth.test':
        return json(res, 200, {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake Team',
          user: 'fitbot',
          team_id: FAKE_SLACK_IDS.team,
          user_id: FAKE_SLACK_IDS.botUser,
          bot_id: FAKE_SLACK_IDS.bot,
        });
      case 'chat.postMessage':
        return json(res, 200, { ok: true, channel: body.channel, ts: `${ts}.000100`, message: { text: body.text } });
      case 'chat.postEphemeral':
        return json(res, 200, { ok: true, message_ts: `${ts}.000100` });
      case 'files.getUploadURLExternal': {
        const fileId = `F0FAKE${uploads.length + 1}`;
        uploads.push({
          fileId,
          filename: String(body.filename),
          ...(body.alt_text ? { altText: String(body.alt_text) } : {}),
          bytes: Buffer.alloc(0),
        });
        return json(res, 200, { ok: true, upload_url: `${origin}/upload/${fileId}`, file_id: fileId });
      }
      case 'files.completeUploadExternal': {
        const files = (Array.isArray(body.files) ? body.files : []) as { id: string; title?: string }[];
        for (const f of files) {
          const known = uploads.find((u) => u.fileId === f.id);
          if (known && body.channel_id) known.channel = String(body.channel_id);
        }
        return json(res, 200, { ok: true, files: files.map((f) => ({ id: f.id, title: f.title ?? '' })) });
      }
      case 'apps.connections.open':
        if (options.socketModeUrl) return json(res, 200, { ok: true, url: options.socketModeUrl });
        return json(res, 200, { ok: false, error: 'unknown_method' });
      default:
        return json(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  const { origin, close } = await listenLoopback(handle);

  return {
    apiUrl: `${origin}/api/`,
    apiCalls,
    uploads,
    responsePosts,
    responseUrl: (id) => `${origin}/respond/${encodeURIComponent(id)}`,
    expire: (id) => expired.add(id),
    async waitFor(check, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`fake Slack: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close,
  };
}

/** One message a Socket Mode client sent the fake, parsed, with when it arrived. */
export interface FakeSocketMessage {
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of what the client sent.
  data: any;
  /** `performance.now()` on arrival. */
  at: number;
}

/** A running fake Socket Mode WebSocket server on loopback. */
export interface FakeSocketMode {
  /** `ws://127.0.0.1:PORT/link`, for `startFakeSlack({ socketModeUrl })`. */
  url: string;
  /** Every message the clients sent (acks), in order. */
  received: FakeSocketMessage[];
  /** How many clients have connected so far. */
  connections(): number;
  /** Sends `message` as JSON to every open client. */
  send(message: unknown): void;
  /** Stops listening and terminates open connections. */
  close(): Promise<void>;
}

/** What Slack sends first on a Socket Mode connection; the client is connected once it has it. */
export const SOCKET_MODE_HELLO = {
  type: 'hello',
  num_connections: 1,
  connection_info: { app_id: 'A1' },
  debug_info: { host: 'fake' },
} as const;

/** Starts a fake Socket Mode server at `ws://127.0.0.1:<free port>/link` that says hello to each client. */
export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const received: FakeSocketMessage[] = [];
  const clients = new Set<WebSocket>();
  let connections = 0;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/link' });
  server.on('connection', (ws) => {
    connections += 1;
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (raw) => {
      const text = raw.toString();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {}
      received.push({ data, at: performance.now() });
    });
    ws.send(JSON.stringify(SOCKET_MODE_HELLO));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`,
    received,
    connections: () => connections,
    send(message) {
      for (const ws of clients) ws.send(JSON.stringify(message));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

/**
 * A slash command as Slack sends it: form-encoded fields (defaults for a user ada
 * in T1/C1, overridden by `fields`), signed v0 HMAC-SHA256 of `v0:<ts>:<body>` with
 * `secret`, `ageSeconds` old.
 */
export function slashCommandRequest(
  fields: Record<string, string>,
  secret: string,
  ageSeconds = 0,
): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T1',
    team_domain: 'fit',
    channel_id: 'C1',
    channel_name: 'general',
    user_id: 'U1',
    user_name: 'ada',
    api_app_id: 'A1',
    ...fields,
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000) - ageSeconds;
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': `v0=${signature}`,
      'x-slack-request-timestamp': String(timestamp),
    },
  };
}

/** The adapter's config for HTTP mode against this fake (or its URL, from another process), on a free port. */
export function httpModeConfig(fake: Pick<FakeSlack, 'apiUrl'>, botToken: string, signingSecret: string): SlackConfig {
  return { botToken, mode: 'http', signingSecret, port: 0, apiUrl: fake.apiUrl, adminUserIds: [] };
}
