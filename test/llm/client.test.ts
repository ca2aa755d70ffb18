import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ChatRequest, createModelClient, ModelServerError, streamChat } from '../../src/llm/client.ts';
import {
  type Behaviour,
  FAKE_PREDICTED_MS_PER_TOKEN,
  FAKE_PROMPT_MS_PER_TOKEN,
  type FakeOpenAI,
  startFakeOpenAI,
} from '../fakes/openai-server.ts';

const TIMEOUT_MS = 300;
const API_KEY = 'sk-test-do-not-leak';
const SECRET_PROMPT = 'tell me about project BLUEBIRD-7731 please';

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.behave({ kind: 'ok' });
  fake.requests.length = 0;
});
afterEach(() => vi.unstubAllEnvs());

/** A clock that moves 10 ms at every reading, so measured durations are exact. */
function steppingClock(): () => number {
  let t = 1000;
  return () => {
    t += 10;
    return t;
  };
}

function client(baseURL = fake.url) {
  return createModelClient({ baseURL, model: 'm', timeoutMs: TIMEOUT_MS });
}

function ask(prompt: string, extra: Partial<ChatRequest> = {}, baseURL?: string) {
  return streamChat(client(baseURL), { model: 'm', prompt, maxTokens: 64, now: steppingClock(), ...extra });
}

async function failureOf(promise: Promise<unknown>): Promise<ModelServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelServerError);
  return error as ModelServerError;
}

describe('streamChat against a llama-server-like fake', () => {
  it('GIVEN "what is 2+2" THEN the answer, stop, usage from the usage chunk and llama.cpp timings', async () => {
    const result = await ask('what is 2+2', { system: 'be brief' });

    expect(result).toEqual({
      text: '4',
      finishReason: 'stop',
      // "be brief" + "what is 2+2": the fake counts words as tokens.
      usage: { promptTokens: 5, completionTokens: 1 },
      timings: {
        promptN: 5,
        promptMs: 5 * FAKE_PROMPT_MS_PER_TOKEN,
        promptPerSecond: 1000 / FAKE_PROMPT_MS_PER_TOKEN,
        predictedN: 1,
        predictedMs: FAKE_PREDICTED_MS_PER_TOKEN,
        predictedPerSecond: 1000 / FAKE_PREDICTED_MS_PER_TOKEN,
      },
      // Clock readings: start (1010), first content (1020), end (1030).
      firstTokenMs: 10,
      totalMs: 20,
    });
  });

  it('GIVEN an answer streamed word by word THEN the text is the words joined', async () => {
    fake.behave({ kind: 'ok', answer: () => 'one two three four', tokenDelayMs: 5 });

    const result = await ask('count');

    expect(result.text).toBe('one two three four');
    expect(result.usage).toEqual({ promptTokens: 1, completionTokens: 4 });
  });

  it('GIVEN max tokens below the answer length THEN finishReason is length and the text stops there', async () => {
    fake.behave({ kind: 'ok', answer: () => 'a b c d e f' });

    const result = await ask('letters', { maxTokens: 3 });

    expect(result).toMatchObject({ text: 'a b c', finishReason: 'length', usage: { completionTokens: 3 } });
  });

  it('GIVEN a server that sends no usage chunk THEN usage is undefined and timings still come from the finish chunk', async () => {
    fake.behave({ kind: 'ok', usage: false });

    const result = await ask('what is 2+2');

    expect(result.usage).toBeUndefined();
    expect(result.timings?.predictedN).toBe(1);
  });

  it('GIVEN a server without timings THEN timings is undefined', async () => {
    fake.behave({ kind: 'ok', timings: false });

    const result = await ask('what is 2+2');

    expect(result.timings).toBeUndefined();
    expect(result.usage).toEqual({ promptTokens: 3, completionTokens: 1 });
  });

  it('GIVEN a request THEN it streams, asks for usage, caps tokens and sends the placeholder key only', async () => {
    vi.stubEnv('OPENAI_ORG_ID', 'org-from-env');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-from-env');

    await ask('what is 2+2', { system: 'be brief', maxTokens: 7 });

    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'what is 2+2' },
      ],
      max_tokens: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request?.headers.authorization).toBe('Bearer none');
    expect(request?.headers['openai-organization']).toBeUndefined();
    expect(request?.headers['openai-project']).toBeUndefined();
  });

  it('GIVEN the connection dies after finish_reason but before the usage chunk THEN the whole answer still resolves', async () => {
    // Chunks: role, "4", finish_reason, usage, [DONE]: cut after the third.
    fake.behave({ kind: 'die-mid-stream', afterChunks: 3 });

    const result = await ask('what is 2+2');

    expect(result).toMatchObject({ text: '4', finishReason: 'stop' });
    expect(result.usage).toBeUndefined();
  });

  it('GIVEN one failure then success THEN each request takes the next behaviour and the last repeats', async () => {
    fake.behave({ kind: 'status', status: 503 }, { kind: 'ok' });

    await expect(ask('what is 2+2')).rejects.toMatchObject({ status: 503 });
    await expect(ask('what is 2+2')).resolves.toMatchObject({ text: '4' });
    await expect(ask('what is 2+2')).resolves.toMatchObject({ text: '4' });
  });
});

describe('streamChat failures', () => {
  it.each([
    { status: 500, retryable: true },
    { status: 503, retryable: true },
    { status: 429, retryable: true },
    { status: 400, retryable: false },
    { status: 401, retryable: false },
    { status: 404, retryable: false },
  ])('GIVEN HTTP $status THEN an http ModelServerError, retryable $retryable', async ({ status, retryable }) => {
    fake.behave({ kind: 'status', status });

    const error = await failureOf(ask('what is 2+2'));

    expect(error).toMatchObject({ kind: 'http', status, retryable });
  });

  it('GIVEN a server that accepts and never answers THEN a retryable timeout after about timeoutMs', async () => {
    fake.behave({ kind: 'hang' });
    const started = performance.now();

    const error = await failureOf(ask('what is 2+2'));

    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 700);
  });

  it('GIVEN a server that sends headers and one chunk then stalls THEN a retryable timeout after about timeoutMs', async () => {
    fake.behave({ kind: 'stall-after-headers' });
    const started = performance.now();

    const error = await failureOf(ask('what is 2+2'));

    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 700);
  });

  it('GIVEN chunks slower than timeoutMs apart THEN no timeout while each gap is shorter', async () => {
    // 4 gaps of 100 ms: longer than the timeout in total, never silent for that long.
    fake.behave({ kind: 'ok', answer: () => 'w x y z', tokenDelayMs: 100 });

    await expect(ask('slow')).resolves.toMatchObject({ text: 'w x y z', finishReason: 'stop' });
  });

  it('GIVEN the server dies mid-stream THEN a retryable stream-cut', async () => {
    fake.behave({ kind: 'die-mid-stream', afterChunks: 2 });

    const error = await failureOf(ask('what is 2+2'));

    expect(error).toMatchObject({ kind: 'stream-cut', retryable: true });
  });

  it('GIVEN nothing listening THEN a retryable connection error', async () => {
    const gone = await startFakeOpenAI();
    await gone.close();

    const error = await failureOf(ask('what is 2+2', {}, gone.url));

    expect(error).toMatchObject({ kind: 'connection', retryable: true });
  });

  it('GIVEN the caller aborts mid-stream THEN a retryable error, promptly', async () => {
    fake.behave({ kind: 'hang' });
    const caller = new AbortController();
    setTimeout(() => caller.abort(), 30);
    const started = performance.now();

    const error = await failureOf(ask('what is 2+2', { signal: caller.signal }));

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/aborted by the caller/);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
  });

  it('GIVEN the server is still loading the model THEN 503 is retryable', async () => {
    fake.setHealthy(false);
    try {
      const error = await failureOf(ask('what is 2+2'));
      expect(error).toMatchObject({ kind: 'http', status: 503, retryable: true });
    } finally {
      fake.setHealthy(true);
    }
  });

  const failing: Behaviour[] = [
    { kind: 'status', status: 400, body: { error: { code: 400, message: `bad: ${SECRET_PROMPT}`, type: 'x' } } },
    { kind: 'status', status: 500, body: `oops ${SECRET_PROMPT} ${API_KEY}` },
    { kind: 'hang' },
    { kind: 'die-mid-stream', afterChunks: 2 },
    { kind: 'stall-after-headers' },
  ];
  it.each(failing)('GIVEN $kind THEN the message holds neither the prompt nor the API key', async (behaviour) => {
    fake.behave(behaviour);
    const key = createModelClient({ baseURL: fake.url, apiKey: API_KEY, model: 'm', timeoutMs: TIMEOUT_MS });

    const error = await failureOf(
      streamChat(key, { model: 'm', prompt: SECRET_PROMPT, maxTokens: 8, now: steppingClock() }),
    );

    const shown = `${error.message} ${String(error.cause ?? '')} ${error.stack ?? ''}`;
    expect(shown).not.toContain('BLUEBIRD');
    expect(shown).not.toContain(API_KEY);
  });
});

describe('streamChat against raw streams llama-server-like fakes do not send', () => {
  let raw: Server;
  let rawUrl = '';
  let rawBody = '';
  beforeAll(async () => {
    raw = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(rawBody);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => raw.close(() => resolve())));

  const chunk = (data: unknown) =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', ...(data as object) })}\n\n`;

  it('GIVEN 200 with an empty body THEN a retryable empty error', async () => {
    rawBody = '';

    const error = await failureOf(ask('hi', {}, rawUrl));

    expect(error).toMatchObject({ kind: 'empty', retryable: true });
  });

  it('GIVEN a stream that ends cleanly before finish_reason THEN a retryable stream-cut', async () => {
    rawBody = chunk({ choices: [{ index: 0, delta: { content: 'half' }, finish_reason: null }] });

    const error = await failureOf(ask('hi', {}, rawUrl));

    expect(error).toMatchObject({ kind: 'stream-cut', retryable: true });
  });

  it.each([
    { code: 500, retryable: true },
    { code: 400, retryable: false },
  ])('GIVEN an error frame with code $code mid-stream THEN http, retryable $retryable', async ({ code, retryable }) => {
    rawBody =
      chunk({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }) +
      `data: ${JSON.stringify({ error: { code, message: `failed on ${SECRET_PROMPT}`, type: 'server_error' } })}\n\n`;

    const error = await failureOf(ask('hi', {}, rawUrl));

    expect(error).toMatchObject({ kind: 'http', status: code, retryable });
    expect(error.message).not.toContain('BLUEBIRD');
  });
});
