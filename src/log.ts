import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import type { LogLevel } from './config.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` (e.g. jobId, team, command) to every line; a line's own fields win. */
  child(fields: Fields): Logger;
}

/** Field names whose values are credentials, at any depth: replaced by REDACTED at every level. */
const SECRET_KEY = /token$|api[-_]?key|authori[sz]ation|secret|passw(or)?d|^pwd$|^auth$|cookie$|credential/i;
/**
 * Field names whose values are what users wrote or were answered: dropped at info
 * and above, kept at debug. Numeric counts such as `promptTokens` are not matched.
 */
const CONTENT_KEY = /^(prompt|answer|text|messages)$/i;
/** Keys pino writes itself; a field of the same name is renamed instead of duplicating the key. */
const RESERVED_KEYS = new Set(['level', 'time', 'msg']);

export const REDACTED = '[redacted]';

/** Deeper structures are cut here: log fields are small, and this bounds the cost of a mistake. */
const MAX_DEPTH = 6;

/**
 * Credentials that end up inside strings (error messages, URLs): userinfo in
 * URLs (`rediss://:pw@host`, `https://token@host`), bearer tokens (any case), Slack (`xox…-`, `xapp-`) tokens.
 */
const SECRET_IN_TEXT: readonly [RegExp, string][] = [
  // All of the userinfo: `user:password@` and a bare token (`https://ghp_x@host`) alike.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{8,}/g, REDACTED],
];

/** A string with the credentials it may carry replaced by REDACTED. */
export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

export interface SanitiseOptions {
  /** Keep prompt/answer/text fields (debug lines; an operator's own view). Default false. */
  keepContent?: boolean;
}

/**
 * A copy of `value` safe to write out: credential fields redacted, content
 * fields dropped unless `keepContent`, Errors as {name, message, stack, code,
 * cause}, credentials inside strings scrubbed, cycles cut. Objects other than
 * plain ones, arrays and Errors (Dates, Buffers) are left as they are.
 */
export function sanitise(value: unknown, options: SanitiseOptions = {}): unknown {
  return clean(value, options.keepContent ?? false, 0, new WeakSet());
}

function clean(value: unknown, keepContent: boolean, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorFields(value, keepContent, depth, seen);
    if (Array.isArray(value)) return value.map((item) => clean(item, keepContent, depth + 1, seen));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Fields = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (SECRET_KEY.test(key)) out[key] = REDACTED;
      else if (!keepContent && CONTENT_KEY.test(key)) continue;
      else out[key] = clean(item, keepContent, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorFields(error: Error, keepContent: boolean, depth: number, seen: WeakSet<object>): Fields {
  const out: Fields = { name: error.name, message: scrubText(error.message) };
  if (error.stack) out.stack = scrubText(error.stack);
  const { code, status, cause } = error as Error & { code?: unknown; status?: unknown; cause?: unknown };
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (typeof status === 'number') out.status = status;
  if (cause !== undefined) out.cause = clean(cause, keepContent, depth + 1, seen);
  return out;
}

/** One shared synchronous stderr destination: every line is written before the call returns, so an exit loses none. */
let stderrDestination: DestinationStream | undefined;
function stderr(): DestinationStream {
  stderrDestination ??= pino.destination({ dest: 2, sync: true });
  return stderrDestination;
}

/**
 * JSON lines on stderr (stdout belongs to the console chat and the CLI), one
 * object per line: `level` (debug|info|warn|error), `time` (ISO 8601), `msg`,
 * then the fields. Every line is sanitised: credential-like fields (token,
 * apiKey, authorization, secret, password…) are redacted at every level, and
 * prompt/answer/text fields are dropped at info and above (debug keeps them).
 * Writes are synchronous, so nothing is lost when the process exits.
 * `write` receives each line, newline included (tests, benchmarks).
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination: DestinationStream = write ? { write } : stderr();
  const root = pino(
    {
      level,
      base: null,
      // Fields arrive sanitised (Errors already plain objects): pino's own err serializer would relabel them.
      serializers: { err: (value: unknown) => value },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(root, {});
}

function wrap(root: PinoLogger, bound: Fields): Logger {
  const log =
    (at: LogLevel) =>
    (message: string, fields?: Fields): void => {
      if (!root.isLevelEnabled(at)) return;
      const merged = fields ? { ...bound, ...fields } : bound;
      const safe = sanitise(merged, { keepContent: at === 'debug' }) as Fields;
      for (const key of Object.keys(safe)) {
        if (RESERVED_KEYS.has(key)) {
          safe[`field_${key}`] = safe[key];
          delete safe[key];
        }
      }
      root[at](safe, scrubText(message));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    // Bindings are kept here and sanitised per line, so a bound prompt is still dropped from info lines.
    child: (fields) => wrap(root, { ...bound, ...fields }),
  };
}
