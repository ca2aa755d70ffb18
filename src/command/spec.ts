/**
 * A command's options, declared once as data. The same declaration makes the
 * Discord registration, the Slack usage hint, the text parser's rules and the
 * TypeScript type of the parsed arguments.
 */
export type OptionType = 'string' | 'integer' | 'number';

export interface OptionSpec {
  readonly name: string;
  readonly description: string;
  readonly type: OptionType;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
  /**
   * How typed text fills the option when it is not written as `name:value`:
   * `word` takes one word, `words` takes words up to the next option's pattern,
   * `rest` takes the remaining text verbatim (named options only before it).
   */
  readonly positional?: 'word' | 'words' | 'rest';
  /** What a word of this option looks like, so free text can be split at it. */
  readonly pattern?: RegExp;
  /** Integers in text may use k/m suffixes (32k = 32768). */
  readonly binarySuffix?: boolean;
  /** Example value for usage hints. */
  readonly example?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Admin-only commands check the caller's permission before running. */
  readonly admin?: boolean;
}

type ValueOf<O extends OptionSpec> = O['type'] extends 'string'
  ? O['choices'] extends readonly (infer C)[]
    ? C
    : string
  : number;

/** The parsed arguments of a command, typed from its declaration. */
export type ArgsOf<S extends CommandSpec> = {
  [O in S['options'][number] as O['name']]: O['required'] extends true ? ValueOf<O> : ValueOf<O> | undefined;
};

/** `/fit <model> <quant> <hardware> [context:N]` — the usage line shown in help and errors. */
export function usageOf(spec: CommandSpec): string {
  const parts = spec.options.map((o) => {
    const shown = o.positional ? o.name : `${o.name}:${o.example ?? o.type}`;
    return o.required ? `<${shown}>` : `[${shown}]`;
  });
  return [`/${spec.name}`, ...parts].join(' ');
}
