import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CommandContext } from '../../command/command.ts';
import { type DispatchOptions, dispatch } from '../../command/dispatch.ts';
import { toText } from './render.ts';

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  /** Show a prompt (an interactive terminal). */
  interactive: boolean;
  dispatch: DispatchOptions;
  /** The context of each command: team `console`, the local user. */
  context: () => CommandContext;
}

/**
 * The console chat: one slash command per line. Answers print in input order;
 * at end of input it waits for every pending answer, then resolves.
 */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { output } = options;
  const rl = createInterface({
    input: options.input,
    terminal: false,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const prompt = () => {
    if (options.interactive) output.write('fitbot> ');
  };
  if (options.interactive) {
    output.write('fitbot console — type /help, /fit maverick q3 2xh100, or /quit\n');
  }
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    if (line !== '' && !line.startsWith('#')) {
      const reply = await dispatch({ kind: 'text', line }, options.context(), options.dispatch);
      output.write(`${toText(reply)}\n\n`);
    }
    prompt();
  }
  rl.close();
}
