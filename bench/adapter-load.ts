/**
 * The load side of the adapter benchmark, as its own process: the fake Discord
 * or fake Slack, the commands sent to the bot, and the clock. bench/adapters.ts
 * forks it (`node --import tsx bench/adapter-load.ts discord|slack`) and runs
 * the bot itself, so the load generator's and the fakes' CPU stays out of the
 * bot's acknowledge latency. Both clocks are read here, in one process.
 *
 * IPC, in order: this process sends `FakeStarted` once its fake listens; the
 * parent starts the bot against it and sends `RunLoad`; this process sends
 * `BurstNext` just before the burst (the parent reads its CPU time there) and
 * answers `LoadDone` (or `LoadFailed`); it exits when the parent disconnects.
 */
import { connect, type Socket } from 'node:net';
import { commandInteraction, startFakeDiscord } from '../test/fakes/discord-server.ts';
import { slashCommandRequest, startFakeSlack } from '../test/fakes/slack-server.ts';

export type Platform = 'discord' | 'slack';

/** Where the bot should find the fake: its API base URL (and, for Discord, the application id). */
export interface FakeStarted {
  kind: 'fake';
  apiUrl: string;
  applicationId?: string;
}

/** Send `warmUp` then `count` commands one at a time, then `count` at once; Slack needs the bot's URL. */
export interface RunLoad {
  kind: 'run';
  count: number;
  warmUp: number;
  botUrl?: string;
  signingSecret?: string;
}

/** Sent SETTLE_MS before the burst, once the one-at-a-time commands are answered. */
export interface BurstNext {
  kind: 'burst';
}

/** Acknowledge latencies in ms: `count` one at a time (the baseline), then `count` sent at once. */
export interface LoadDone {
  kind: 'done';
  serialMs: number[];
  burstMs: number[];
}

export interface LoadFailed {
  kind: 'failed';
  message: string;
}

/** The /fit commands sent, in turn: every one resolves, so each is deferred and then answered publicly. */
const CASES = [
  ['maverick', 'q3', '2xh100'],
  ['scout', 'q4', 'rtx4090'],
  ['llama 3 70b', 'q4', '2x4090'],
  ['maverick', 'q4', '4xh100'],
] as const;
const caseOf = (i: number) => CASES[i % CASES.length] ?? CASES[0];

/** Polls `check` every 2 ms; rejects after `timeoutMs`, saying what it waited for. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench: ${what} not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Before a Slack request is sent on its new connection, and before the burst,
 * the load waits this long: the bot accepts connections and reads `BurstNext`
 * outside the clock.
 */
const SETTLE_MS = 20;

/** A TCP connection to `url`'s host, once connected. */
function connected(url: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function announceBurst(): void {
  process.send?.({ kind: 'burst' } satisfies BurstNext);
}

/** A complete HTTP/1.1 POST as bytes, so sending it is one write. */
function httpPost(url: URL, headers: Record<string, string>, body: string): Buffer {
  const all = { host: url.host, ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  const head = Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.from(`POST ${url.pathname} HTTP/1.1\r\n${head}\r\n${body}`);
}

/**
 * Writes `request` to a connected socket; resolves with the ms from the write
 * to the whole response read (headers and a Content-Length or chunked body)
 * and its status. A raw socket, not fetch: 200 fetches at once cost this
 * process ~80–160 ms p99 against a server that does nothing, node:http ~15–35
 * ms, this ~5–15 ms (measured 2026-11-27).
 */
function exchange(socket: Socket, request: Buffer): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const started = performance.now();
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = received.subarray(0, headEnd).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      const bodyBytes = received.length - headEnd - 4;
      const complete =
        length === undefined ? received.subarray(-5).toString() === '0\r\n\r\n' : bodyBytes >= Number(length);
      if (!complete) return;
      const ms = performance.now() - started;
      socket.destroy();
      resolve({ ms, status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]) });
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('bench: the bot closed the connection before a whole response')));
    socket.write(request);
  });
}

/** Runs the load once the parent asks, answering with the samples. */
type Load = (run: RunLoad) => Promise<Omit<LoadDone, 'kind'>>;

/**
 * Discord: the clock starts when the fake writes INTERACTION_CREATE to the
 * gateway socket and stops when the fake REST receives that interaction's
 * callback POST (the type 5 deferral). Done means the answer (PATCH) arrived.
 */
async function discordLoad(): Promise<{ started: FakeStarted; load: Load; close: () => Promise<void> }> {
  const fake = await startFakeDiscord();
  let serial = 0;
  const callbackAt = new Map<string, number>();
  const answered = new Set<string>();
  let seen = 0;
  /** Indexes the fake's new requests: callback arrival per token, and which tokens have their answer. */
  const scan = () => {
    for (; seen < fake.requests.length; seen++) {
      const r = fake.requests[seen];
      if (!r) continue;
      const callback = /^\/interactions\/[^/]+\/([^/]+)\/callback$/.exec(r.route);
      if (callback?.[1] && r.method === 'POST') callbackAt.set(callback[1], r.receivedAtMs);
      const webhook = /^\/webhooks\/[^/]+\/([^/]+)(?:\/messages\/%40original)?$/.exec(r.route);
      if (webhook?.[1] && (r.method === 'PATCH' || r.method === 'POST')) answered.add(webhook[1]);
    }
  };
  const send = (): { token: string; sentAt: number } => {
    serial += 1;
    const [model, quant, hardware] = caseOf(serial);
    const token = `bench-token-${serial}`;
    const payload = commandInteraction({
      id: `7${String(serial).padStart(18, '0')}`,
      token,
      name: 'fit',
      options: [
        { name: 'model', type: 3, value: model },
        { name: 'quant', type: 3, value: quant },
        { name: 'hardware', type: 3, value: hardware },
      ],
    });
    const sentAt = performance.now();
    fake.dispatchInteraction(payload);
    return { token, sentAt };
  };
  const latencies = (sent: readonly { token: string; sentAt: number }[]) =>
    sent.map(({ token, sentAt }) => (callbackAt.get(token) ?? Number.NaN) - sentAt);
  const oneAtATime = async (n: number) => {
    const sent = [];
    for (let i = 0; i < n; i++) {
      const s = send();
      sent.push(s);
      await until('Discord answer', () => {
        scan();
        return answered.has(s.token);
      });
    }
    return latencies(sent);
  };
  const load: Load = async ({ count, warmUp }) => {
    await oneAtATime(warmUp);
    const serialMs = await oneAtATime(count);
    announceBurst();
    await pause(SETTLE_MS);
    const burst = Array.from({ length: count }, send);
    await until(`${count} Discord answers`, () => {
      scan();
      return burst.every((s) => answered.has(s.token));
    });
    return { serialMs, burstMs: latencies(burst) };
  };
  return { started: { kind: 'fake', apiUrl: fake.apiUrl, applicationId: fake.applicationId }, load, close: fake.close };
}

/**
 * Slack: the clock starts when a correctly signed slash-command request is
 * written to its socket and stops when Bolt's 200 (the ack) has been read in full.
 * Done means the answer reached the command's response_url.
 */
async function slackLoad(): Promise<{ started: FakeStarted; load: Load; close: () => Promise<void> }> {
  const fake = await startFakeSlack();
  let serial = 0;
  const load: Load = async ({ count, warmUp, botUrl, signingSecret }) => {
    if (!botUrl || !signingSecret) throw new Error('bench: the Slack load needs the bot URL and signing secret');
    const url = new URL(botUrl);
    /**
     * The next command, signed and on a connection of its own, opened (and
     * given SETTLE_MS to be accepted) before the clock starts, as a proxy in
     * front of the bot would keep them open: signing and connecting are the
     * sender's work.
     */
    const prepare = async () => {
      serial += 1;
      const id = `b${serial}`;
      const { body, headers } = slashCommandRequest(
        {
          command: '/fit',
          text: caseOf(serial).join(' '),
          response_url: fake.responseUrl(id),
          trigger_id: `trigger-${id}`,
        },
        signingSecret,
      );
      return { id, request: httpPost(url, headers, body), socket: await connected(url) };
    };
    type Prepared = Awaited<ReturnType<typeof prepare>>;
    const send = async ({ socket, request }: Prepared): Promise<number> => {
      const { ms, status } = await exchange(socket, request);
      if (status !== 200) throw new Error(`bench: Slack answered ${status}`);
      return ms;
    };
    const answered = (ids: readonly string[]) => {
      const posted = new Set(fake.responsePosts.map((p) => p.id));
      return ids.every((id) => posted.has(id));
    };
    const oneAtATime = async (n: number) => {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const prepared = await prepare();
        await pause(SETTLE_MS);
        samples.push(await send(prepared));
        await until('Slack answer', () => answered([prepared.id]));
      }
      return samples;
    };
    await oneAtATime(warmUp);
    const serialMs = await oneAtATime(count);
    const burst = await Promise.all(Array.from({ length: count }, prepare));
    announceBurst();
    await pause(SETTLE_MS);
    const burstMs = await Promise.all(burst.map(send));
    await until(`${count} Slack answers`, () => answered(burst.map((r) => r.id)));
    return { serialMs, burstMs };
  };
  return { started: { kind: 'fake', apiUrl: fake.apiUrl }, load, close: fake.close };
}

const platform = process.argv[2];
if (platform !== 'discord' && platform !== 'slack') throw new Error('usage: adapter-load.ts discord|slack');
if (!process.send) throw new Error('adapter-load.ts runs as a child of bench/adapters.ts (it needs an IPC channel)');
const tell = (message: FakeStarted | LoadDone | LoadFailed) => process.send?.(message);

const side = platform === 'discord' ? await discordLoad() : await slackLoad();
process.on('message', (message: RunLoad) => {
  side.load(message).then(
    (samples) => tell({ kind: 'done', ...samples }),
    (error: unknown) => tell({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.once('disconnect', () => void side.close().then(() => process.exit(0)));
tell(side.started);
