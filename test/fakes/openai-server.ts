import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, readBody } from './http.ts';

/** What the fake does with the next `/v1/chat/completions` request. */
export type Behaviour =
  | { kind: 'ok'; answer?: (prompt: string) => string; tokenDelayMs?: number; usage?: boolean; timings?: boolean }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'hang' } // accept and never answer
  | { kind: 'die-mid-stream'; afterChunks: number } // send some chunks then destroy the socket
  | { kind: 'stall-after-headers' }; // send headers + one chunk then nothing

/** A recorded request, as the server received it. */
export interface FakeRequest {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of the JSON body the client sent.
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A running fake llama-server on loopback. */
export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:PORT/v1, the baseURL for the openai client. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: FakeRequest[];
  /** Behaviour for every following request, or a queue: each chat request takes the next, the last one repeats. */
  behave(...b: Behaviour[]): void;
  /** /health: 503 {"error":{"message":"Loading model"}} while loading, 200 {"status":"ok"} when ready. */
  setHealthy(ready: boolean): void;
  /** Stops listening and destroys open sockets (hanging and stalled requests included). */
  close(): Promise<void>;
}

/** The model id the fake reports when the request names none. */
export const FAKE_MODEL = 'fake-model';

/** The fake's stand-in for llama.cpp's `system_fingerprint` (build number and commit). */
const FINGERPRINT = 'b6000-fake';

/** Simulated speeds for `timings`, so tests can assert exact numbers: 2 ms per prompt token, 10 ms per generated one. */
export const FAKE_PROMPT_MS_PER_TOKEN = 2;
export const FAKE_PREDICTED_MS_PER_TOKEN = 10;

/** The default answer, a deterministic function of the prompt: "what is 2+2" → "4", anything else echoes its first 50 characters. */
export function defaultAnswer(prompt: string): string {
  if (/what is 2\s*\+\s*2/i.test(prompt)) return '4';
  return `Echo: ${prompt.slice(0, 50)}`;
}

/** The answer split into "tokens" the way the fake counts them: words, each with its leading whitespace. */
export function tokensOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/**
 * Starts a fake OpenAI-compatible server that answers like llama.cpp's llama-server
 * (same SSE framing, chunk shapes, usage chunk and `timings`), on 127.0.0.1 and a free port.
 */
export async function startFakeOpenAI(initial: Behaviour = { kind: 'ok' }): Promise<FakeOpenAI> {
  let queue: Behaviour[] = [initial];
  let healthy = true;
  let served = 0;
  const requests: FakeRequest[] = [];

  const nextBehaviour = (): Behaviour => {
    const b = queue.length > 1 ? queue.shift() : queue[0];
    return b ?? { kind: 'ok' };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = (await readBody(req)).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      requests.push({ path, body: raw, headers: req.headers });
      return sendJson(res, 400, errorBody(400, 'Failed to parse the request body as JSON', 'invalid_request_error'));
    }
    requests.push({ path, body, headers: req.headers });

    if (req.method === 'GET' && path === '/health') {
      return healthy ? sendJson(res, 200, { status: 'ok' }) : sendJson(res, 503, loadingBody());
    }
    // llama-server answers 503 "Loading model" on every endpoint until the model is in memory.
    if (!healthy) return sendJson(res, 503, loadingBody());
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: FAKE_MODEL, object: 'model', created: nowSeconds(), owned_by: 'llamacpp' }],
      });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      served += 1;
      return chat(res, asRecord(body), nextBehaviour(), `chatcmpl-fake${served}`);
    }
    return sendJson(res, 404, errorBody(404, 'File Not Found', 'not_found_error'));
  }

  async function chat(res: ServerResponse, body: Record<string, unknown>, b: Behaviour, id: string): Promise<void> {
    if (b.kind === 'status') {
      return sendJson(res, b.status, b.body ?? errorBody(b.status, `fake error ${b.status}`, errorType(b.status)));
    }
    if (b.kind === 'hang') return; // the socket stays open until the client gives up or close() destroys it

    const plan = planOf(body, b, id);
    const stream = body.stream === true;
    if (!stream) {
      if (b.kind === 'die-mid-stream') return void res.socket?.destroy();
      if (b.kind === 'stall-after-headers') return void res.writeHead(200, JSON_HEADERS).flushHeaders();
      await sleep((b.tokenDelayMs ?? 0) * plan.tokens.length);
      return sendJson(res, 200, plan.completion());
    }

    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    const events = plan.events(includeUsage(body) && (b.kind !== 'ok' || b.usage !== false));
    if (b.kind === 'stall-after-headers') return void res.write(events[0]);
    if (b.kind === 'die-mid-stream') {
      const sent = events.slice(0, b.afterChunks).join('');
      // Destroy only once the chunks are on the wire, so the client sees them before the cut.
      if (sent === '') return void setImmediate(() => res.socket?.destroy());
      return void res.write(sent, () => res.socket?.destroy());
    }
    for (const [i, event] of events.entries()) {
      if (res.destroyed) return; // the client went away (timeout, abort)
      const isContent = i > 0 && i <= plan.tokens.length;
      if (isContent && b.tokenDelayMs) await sleep(b.tokenDelayMs);
      res.write(event);
    }
    res.end();
  }

  const { origin, close } = await listenLoopback(handle);

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    behave(...b) {
      queue = b.length > 0 ? [...b] : [{ kind: 'ok' }];
    },
    setHealthy(ready) {
      healthy = ready;
    },
    close,
  };
}

interface Plan {
  tokens: string[];
  completion(): unknown;
  /** The whole SSE stream, one `data: …\n\n` string per event, ending with `data: [DONE]`. */
  events(withUsage: boolean): string[];
}

/** Everything one answer needs: the tokens, the finish reason and the chunk shapes llama-server sends. */
function planOf(body: Record<string, unknown>, b: Behaviour, id: string): Plan {
  const messages = Array.isArray(body.messages) ? body.messages.map(asRecord) : [];
  const prompt = textOf([...messages].reverse().find((m) => m.role === 'user')?.content);
  const answer = (b.kind === 'ok' && b.answer ? b.answer : defaultAnswer)(prompt);
  const all = tokensOf(answer);
  const max = maxTokensOf(body);
  const tokens = max === undefined ? all : all.slice(0, max);
  const finishReason = tokens.length < all.length ? 'length' : 'stop';
  const promptTokens = messages.reduce((n, m) => n + tokensOf(textOf(m.content)).length, 0);
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : FAKE_MODEL;
  const created = nowSeconds();
  const withTimings = b.kind !== 'ok' || b.timings !== false;
  const usage = {
    completion_tokens: tokens.length,
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + tokens.length,
  };
  const timings = timingsOf(promptTokens, tokens.length);
  // Key order as llama-server writes it: choices first, object last, timings after.
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sse({
      choices,
      created,
      id,
      model,
      system_fingerprint: FINGERPRINT,
      object: 'chat.completion.chunk',
      ...extra,
    });
  return {
    tokens,
    completion: () => ({
      choices: [{ finish_reason: finishReason, index: 0, message: { role: 'assistant', content: tokens.join('') } }],
      created,
      model,
      system_fingerprint: FINGERPRINT,
      object: 'chat.completion',
      usage,
      id,
      ...(withTimings ? { timings } : {}),
    }),
    events: (withUsage) => [
      chunk([{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }]),
      ...tokens.map((t) => chunk([{ finish_reason: null, index: 0, delta: { content: t } }])),
      chunk([{ finish_reason: finishReason, index: 0, delta: {} }], withTimings ? { timings } : {}),
      ...(withUsage ? [chunk([], { usage, ...(withTimings ? { timings } : {}) })] : []),
      'data: [DONE]\n\n',
    ],
  };
}

/** llama.cpp's `timings` object, from the fake's fixed per-token speeds. */
function timingsOf(promptN: number, predictedN: number) {
  const promptMs = promptN * FAKE_PROMPT_MS_PER_TOKEN;
  const predictedMs = predictedN * FAKE_PREDICTED_MS_PER_TOKEN;
  return {
    cache_n: 0,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: FAKE_PROMPT_MS_PER_TOKEN,
    prompt_per_second: 1000 / FAKE_PROMPT_MS_PER_TOKEN,
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: FAKE_PREDICTED_MS_PER_TOKEN,
    predicted_per_second: 1000 / FAKE_PREDICTED_MS_PER_TOKEN,
  };
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', Server: 'llama.cpp' };
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', Server: 'llama.cpp' };

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
}

/** llama-server's error shape: `{"error":{"code","message","type"}}`. */
function errorBody(code: number, message: string, type: string) {
  return { error: { code, message, type } };
}

function loadingBody() {
  return errorBody(503, 'Loading model', 'unavailable_error');
}

function errorType(status: number): string {
  if (status === 429) return 'unavailable_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function includeUsage(body: Record<string, unknown>): boolean {
  return asRecord(body.stream_options).include_usage === true;
}

/** llama-server reads `max_tokens`, the newer `max_completion_tokens` and its own `n_predict`. */
function maxTokensOf(body: Record<string, unknown>): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens', 'n_predict']) {
    const v = body[key];
    if (typeof v === 'number' && v >= 0) return v;
  }
  return undefined;
}

/** A message's text: a string, or the text parts of a content array. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map(asRecord)
      .map((p) => (typeof p.text === 'string' ? p.text : ''))
      .join(' ');
  }
  return '';
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
