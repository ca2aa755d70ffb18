import { UserError } from '../errors.ts';
import { type ArgsOf, type CommandSpec, type OptionSpec, usageOf } from './spec.ts';

/** Longest command text accepted from any platform, characters. */
export const MAX_COMMAND_TEXT = 20_000;

interface Token {
  text: string;
  /** Offset of the token in the input, for `rest` options that keep the text verbatim. */
  start: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // A word, a "quoted phrase", or name:"quoted phrase".
  const re = /([a-z][\w-]*[:=])?(?:"([^"]*)"|'([^']*)')|(\S+)/gi;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    tokens.push({ text: m[4] ?? `${m[1] ?? ''}${m[2] ?? m[3] ?? ''}`, start: m.index });
  }
  return tokens;
}

const NAMED = /^([a-z][a-z0-9_-]*)[:=](.*)$/i;

/** Control characters other than tab and newline never reach a command. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/**
 * Parse a command's text (Slack's `text`, a console line without the `/name`)
 * against its declared options. `name:value` (or `name=value`, or `name: value`)
 * sets an option; other words fill positional options in order. Throws UserError
 * naming the problem and the usage line.
 */
export function parseText<S extends CommandSpec>(spec: S, text: string): ArgsOf<S> {
  if (text.length > MAX_COMMAND_TEXT) {
    throw new UserError(`/${spec.name} text is too long (${text.length} characters; the limit is ${MAX_COMMAND_TEXT})`);
  }
  const input = clean(text);
  const tokens = tokenize(input);
  const byName = new Map(spec.options.map((o) => [o.name.toLowerCase(), o]));
  const named: Record<string, string> = {};
  const free: Token[] = [];
  const hasRest = spec.options.some((o) => o.positional === 'rest');
  let restStart: number | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    const m = NAMED.exec(token.text);
    const option = m ? byName.get((m[1] ?? '').toLowerCase()) : undefined;
    // Once a `rest` option has begun, everything after it belongs to it.
    if (m && option && (restStart === undefined || !hasRest)) {
      let value = m[2] ?? '';
      if (value === '' && i + 1 < tokens.length) value = (tokens[++i] as Token).text;
      if (named[option.name] !== undefined) throw new UserError(`${option.name} is given twice`);
      named[option.name] = value;
      continue;
    }
    if (restStart === undefined) restStart = token.start;
    free.push(token);
  }

  const positional = spec.options.filter((o) => o.positional && named[o.name] === undefined);
  let next = 0;
  for (let p = 0; p < positional.length && next < free.length; p++) {
    const option = positional[p] as OptionSpec;
    if (option.positional === 'rest') {
      named[option.name] = input.slice((free[next] as Token).start).trim();
      next = free.length;
      break;
    }
    if (option.positional === 'word') {
      const word = (free[next] as Token).text;
      if (option.pattern && !option.pattern.test(word)) continue;
      named[option.name] = word;
      next++;
      continue;
    }
    const stopAt = positional.slice(p + 1).find((o) => o.pattern);
    const words: string[] = [];
    while (next < free.length) {
      const word = (free[next] as Token).text;
      if (words.length > 0 && stopAt?.pattern?.test(word)) break;
      words.push(word);
      next++;
    }
    named[option.name] = words.join(' ');
  }
  if (next < free.length) {
    const extra = free
      .slice(next)
      .map((t) => t.text)
      .join(' ');
    throw new UserError(`unexpected '${extra.slice(0, 40)}' — usage: ${usageOf(spec)}`);
  }
  return parseNamed(spec, named);
}

/**
 * Validate named values (Discord's options, or the text parser's output) against
 * the declaration: types, required options, choices, ranges. Unknown names are
 * rejected.
 */
export function parseNamed<S extends CommandSpec>(
  spec: S,
  values: Readonly<Record<string, string | number | boolean | undefined>>,
): ArgsOf<S> {
  const problems: string[] = [];
  const out: Record<string, string | number | undefined> = {};
  const known = new Set(spec.options.map((o) => o.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) problems.push(`unknown option '${name.slice(0, 30)}'`);
  }
  for (const option of spec.options) {
    const raw = values[option.name];
    if (raw === undefined || raw === '') {
      if (option.required) problems.push(`${option.name} is missing`);
      continue;
    }
    try {
      out[option.name] = convert(option, raw);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`${problems.join('; ')} — usage: ${usageOf(spec)}`);
  }
  return out as ArgsOf<S>;
}

function convert(option: OptionSpec, raw: string | number | boolean): string | number {
  if (option.type === 'string') {
    const text = clean(String(raw)).trim();
    if (option.maxLength !== undefined && text.length > option.maxLength) {
      throw new UserError(`${option.name} is longer than ${option.maxLength} characters`);
    }
    if (option.choices) {
      const choice = option.choices.find((c) => c.toLowerCase() === text.toLowerCase());
      if (!choice) throw new UserError(`${option.name} must be one of ${option.choices.join(', ')}`);
      return choice;
    }
    return text;
  }
  const n = typeof raw === 'number' ? raw : parseNumber(String(raw), option.binarySuffix ?? false);
  if (!Number.isFinite(n) || (option.type === 'integer' && !Number.isInteger(n))) {
    throw new UserError(
      `${option.name} must be ${option.type === 'integer' ? 'a whole number' : 'a number'}, not '${String(raw).slice(0, 20)}'`,
    );
  }
  if (option.min !== undefined && n < option.min) throw new UserError(`${option.name} must be at least ${option.min}`);
  if (option.max !== undefined && n > option.max) throw new UserError(`${option.name} must be at most ${option.max}`);
  return n;
}

/** `32768`, `32,768`, `32k` (= 32 × 1024 with binary suffixes), `1.5`, `1m`. */
function parseNumber(text: string, binarySuffix: boolean): number {
  const m = /^\s*(\d+(?:[.,_]\d+)*)\s*([km])?\s*$/i.exec(text);
  if (!m?.[1]) return Number.NaN;
  const digits = m[1].includes('.') && !/,/.test(m[1]) ? m[1] : m[1].replace(/[,_]/g, '');
  const base = Number(digits);
  const suffix = m[2]?.toLowerCase();
  if (!suffix) return base;
  const unit = binarySuffix ? 1024 : 1000;
  return base * (suffix === 'k' ? unit : unit * unit);
}
