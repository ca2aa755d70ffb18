import type { LogLevel } from './config.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/**
 * JSON lines on stderr (stdout belongs to the console chat and the CLI).
 * Callers never pass tokens or prompt text at info level.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const log =
    (at: LogLevel) =>
    (message: string, fields: Fields = {}) => {
      if (ORDER[at] < ORDER[level]) return;
      const entry: Fields = { level: at, time: new Date().toISOString(), msg: message };
      for (const [k, v] of Object.entries(fields)) entry[k] = serialise(v);
      write(`${JSON.stringify(entry)}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
