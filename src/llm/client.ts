import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** Where one model is served: an OpenAI-compatible base URL (…/v1), its key if any, the model id and a timeout in ms. */
export interface ModelEndpoint {
  baseURL: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

/**
 * An OpenAI client for one endpoint: maxRetries 0 (BullMQ owns retries), explicit timeout,
 * apiKey defaults to 'none' (llama-server ignores it). `timeoutMs` bounds the wait for response
 * headers and, in {@link streamChat}, every silence between two chunks. Never throws for a reachable URL.
 */
export function createModelClient(endpoint: ModelEndpoint): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey ?? 'none',
    // The package reads OPENAI_ORG_ID / OPENAI_PROJECT_ID / OPENAI_ADMIN_KEY from the environment when
    // these are left undefined; null keeps an OpenAI account's headers away from our own servers.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: endpoint.timeoutMs,
    // Its own console logging would bypass our logger (and at debug level prints request bodies:
    // prompts). Every failure reaches the caller as a ModelServerError instead.
    logLevel: 'off',
  });
}

/** llama.cpp's per-request speed report, in ms and tokens per second. */
export interface ChatTimings {
  promptN?: number;
  promptMs?: number;
  promptPerSecond?: number;
  predictedN?: number;
  predictedMs?: number;
  predictedPerSecond?: number;
}

/** A finished completion with what the server reported about it. */
export interface ChatResult {
  text: string;
  finishReason: string | null;
  /** From the usage chunk (stream_options.include_usage); undefined if the server sent none. */
  usage?: { promptTokens: number; completionTokens: number };
  /** llama.cpp's `timings` object when present (untyped in openai): */
  timings?: ChatTimings;
  /** Milliseconds from request to first content token, and to the end of the stream, measured with the injected clock. */
  firstTokenMs?: number;
  totalMs: number;
}

/** One chat turn: `maxTokens` caps the answer; `now` is a clock in ms (e.g. `performance.now`). */
export interface ChatRequest {
  model: string;
  prompt: string;
  system?: string;
  maxTokens: number;
  signal?: AbortSignal;
  now: () => number;
}

/** How a model server call failed; the message never holds the prompt or the API key. */
export type ModelServerErrorKind = 'http' | 'timeout' | 'connection' | 'stream-cut' | 'empty';

/**
 * A failed model server call. `retryable` is false only for a 4xx other than 429 (the same
 * request would fail again); callers turn that into BullMQ's `UnrecoverableError`.
 */
export class ModelServerError extends Error {
  override readonly name = 'ModelServerError';
  readonly status?: number;
  readonly retryable: boolean;
  readonly kind: ModelServerErrorKind;

  constructor(
    message: string,
    options: { kind: ModelServerErrorKind; retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.retryable = options.retryable;
    if (options.status !== undefined) this.status = options.status;
  }
}

/**
 * Stream a chat completion and read it to the end ([DONE]) so the usage chunk and timings are not lost.
 * RunPod's proxy cuts requests at 100 s, so always stream. Throws ModelServerError: on an HTTP error,
 * no headers within the client's timeout, a silence of that long between chunks, a broken connection,
 * or a stream that ends before `finish_reason`. Once `finish_reason` has arrived the answer is whole,
 * so a cut after it (before the usage chunk) still resolves, without usage.
 */
export async function streamChat(client: OpenAI, request: ChatRequest): Promise<ChatResult> {
  const startMs = request.now();
  const where = originOf(client.baseURL);
  const idleMs = client.timeout;
  // One controller for both the caller's signal and our idle timer, so either ends the HTTP request.
  const controller = new AbortController();
  let abortedBy: 'caller' | 'idle' | undefined;
  const onCallerAbort = () => {
    abortedBy ??= 'caller';
    controller.abort();
  };
  if (request.signal?.aborted) throw callerAbort(request.signal, where);
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let idle: NodeJS.Timeout | undefined;

  let text = '';
  let finishReason: string | null = null;
  let usage: ChatResult['usage'];
  let timings: ChatTimings | undefined;
  let firstTokenMs: number | undefined;
  let chunks = 0;
  const result = (): ChatResult => ({
    text,
    finishReason,
    ...(usage ? { usage } : {}),
    ...(timings ? { timings } : {}),
    ...(firstTokenMs === undefined ? {} : { firstTokenMs }),
    totalMs: request.now() - startMs,
  });

  try {
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await client.chat.completions.create(
        {
          model: request.model,
          messages: messagesOf(request),
          max_tokens: request.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: controller.signal },
      );
    } catch (error) {
      if (abortedBy === 'caller' && request.signal) throw callerAbort(request.signal, where);
      throw requestError(error, where, idleMs);
    }

    // The client's timeout stops once headers arrive; a server that then goes quiet would hold us forever.
    idle = setTimeout(() => {
      abortedBy ??= 'idle';
      controller.abort();
    }, idleMs);
    try {
      for await (const chunk of stream) {
        idle.refresh();
        chunks += 1;
        const choice = chunk.choices[0];
        const content = choice?.delta?.content;
        if (content) {
          firstTokenMs ??= request.now() - startMs;
          text += content;
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage) {
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        }
        timings = timingsOf(chunk) ?? timings;
      }
    } catch (error) {
      // An error frame from the server is a failure even after finish_reason; a transport cut is not.
      if (error instanceof APIError && !(error instanceof APIUserAbortError)) throw midStreamError(error, where);
      if (finishReason !== null && abortedBy !== 'caller') return result();
      if (abortedBy === 'caller' && request.signal) throw callerAbort(request.signal, where);
      if (abortedBy === 'idle') throw idleTimeout(where, idleMs, chunks);
      throw new ModelServerError(`model server at ${where} broke off the stream after ${chunks} chunks`, {
        kind: 'stream-cut',
        retryable: true,
        cause: error,
      });
    }

    // The openai stream ends quietly when aborted, so how it ended is in our own flags.
    if (abortedBy === 'caller' && request.signal) throw callerAbort(request.signal, where);
    if (finishReason !== null) return result();
    if (abortedBy === 'idle') throw idleTimeout(where, idleMs, chunks);
    if (chunks === 0) {
      throw new ModelServerError(`model server at ${where} answered 200 with no chunks`, {
        kind: 'empty',
        retryable: true,
      });
    }
    throw new ModelServerError(
      `model server at ${where} ended the stream after ${chunks} chunks without finish_reason`,
      {
        kind: 'stream-cut',
        retryable: true,
      },
    );
  } finally {
    clearTimeout(idle);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function messagesOf(request: ChatRequest): ChatCompletionMessageParam[] {
  const user: ChatCompletionMessageParam = { role: 'user', content: request.prompt };
  return request.system === undefined ? [user] : [{ role: 'system', content: request.system }, user];
}

/** 429 and 5xx may pass on a retry; any other 4xx is the request's fault and would fail again. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * The server's error `type`/`code` are identifiers, safe to keep; its `message` is not copied
 * (some servers quote the request back), nor is the openai error kept as the cause for that reason.
 */
function serverDetail(error: APIError): string {
  const parts = [error.type, typeof error.code === 'string' ? error.code : undefined].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** A failure before any chunk: openai's error classes, most specific first (they all extend APIError). */
function requestError(error: unknown, where: string, timeoutMs: number): ModelServerError {
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelServerError(`model server at ${where} sent no response headers within ${timeoutMs} ms`, {
      kind: 'timeout',
      retryable: true,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ModelServerError(`could not reach the model server at ${where}`, {
      kind: 'connection',
      retryable: true,
      cause: error.cause ?? error,
    });
  }
  if (error instanceof APIUserAbortError) {
    return new ModelServerError(`request to the model server at ${where} was aborted`, {
      kind: 'connection',
      retryable: true,
    });
  }
  if (error instanceof APIError && error.status !== undefined) {
    return new ModelServerError(`model server at ${where} answered HTTP ${error.status}${serverDetail(error)}`, {
      kind: 'http',
      status: error.status,
      retryable: isRetryableStatus(error.status),
    });
  }
  return new ModelServerError(`request to the model server at ${where} failed`, {
    kind: 'connection',
    retryable: true,
    cause: error,
  });
}

/** llama-server reports a failure after the headers as `data: {"error":{"code":500,…}}`; the code is an HTTP status. */
function midStreamError(error: APIError, where: string): ModelServerError {
  const status =
    error.status ??
    (typeof error.code === 'number' ? error.code : Number.parseInt(String(error.code), 10) || undefined);
  const valid = status !== undefined && status >= 400 && status <= 599;
  return new ModelServerError(
    `model server at ${where} sent an error mid-stream${valid ? ` (HTTP ${status})` : ''}${serverDetail(error)}`,
    { kind: 'http', retryable: valid ? isRetryableStatus(status) : true, ...(valid ? { status } : {}) },
  );
}

function idleTimeout(where: string, idleMs: number, chunks: number): ModelServerError {
  return new ModelServerError(`model server at ${where} sent nothing for ${idleMs} ms after ${chunks} chunks`, {
    kind: 'timeout',
    retryable: true,
  });
}

/** The caller's own abort; a deadline (`AbortSignal.timeout`) counts as a timeout, anything else as a dropped call. */
function callerAbort(signal: AbortSignal, where: string): ModelServerError {
  const deadline = signal.reason instanceof Error && signal.reason.name === 'TimeoutError';
  return new ModelServerError(`request to the model server at ${where} was aborted by the caller`, {
    kind: deadline ? 'timeout' : 'connection',
    retryable: true,
  });
}

/** llama.cpp's snake_case `timings`, which the openai types do not declare. */
function timingsOf(chunk: ChatCompletionChunk): ChatTimings | undefined {
  const raw = (chunk as { timings?: unknown }).timings;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const t = raw as Record<string, unknown>;
  const num = (key: string) => (typeof t[key] === 'number' ? (t[key] as number) : undefined);
  const fields: ChatTimings = {
    promptN: num('prompt_n'),
    promptMs: num('prompt_ms'),
    promptPerSecond: num('prompt_per_second'),
    predictedN: num('predicted_n'),
    predictedMs: num('predicted_ms'),
    predictedPerSecond: num('predicted_per_second'),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ChatTimings;
}

/** Scheme, host and port only: a base URL may carry credentials or tokens in its path or query. */
function originOf(baseURL: string): string {
  try {
    return new URL(baseURL).origin;
  } catch {
    return 'an invalid URL';
  }
}
