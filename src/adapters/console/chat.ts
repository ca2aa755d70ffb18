import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CommandContext, FollowUp } from '../../command/command.ts';
import { type DispatchOptions, dispatch } from '../../command/dispatch.ts';
import type { Reply } from '../../command/reply.ts';
import { toText } from './render.ts';

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  /** Show a prompt (an interactive terminal); otherwise each answer is awaited before the next line. */
  interactive: boolean;
  dispatch: DispatchOptions;
  /** The context of one command line; `followUp` prints an answer that comes later. */
  context: (followUp: FollowUp, line: number) => CommandContext;
  /** Longest wait for a follow-up before moving on, ms. */
  followUpTimeoutMs: number;
}

/**
 * The console chat: one slash command per line. From a script (not a terminal)
 * every answer, including an /ask answer that comes through the queue, prints
 * before the next line is read, and at end of input it waits for what is still
 * pending, then resolves.
 */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { output } = options;
  const print = (reply: Reply) => output.write(`${toText(reply)}\n\n`);
  const pending = new Set<Promise<void>>();
  const rl = createInterface({ input: options.input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  const prompt = () => {
    if (options.interactive) output.write('fitbot> ');
  };
  if (options.interactive) output.write('fitbot console — type /help, /fit maverick q3 2xh100, or /quit\n');
  prompt();
  let lineNumber = 0;
  for await (const raw of rl) {
    lineNumber++;
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    if (line === '' || line.startsWith('#')) {
      prompt();
      continue;
    }
    let answered = false;
    let markAnswered: () => void = () => {};
    const answer = new Promise<void>((resolve) => {
      markAnswered = resolve;
    });
    const followUp: FollowUp = async (reply) => {
      answered = true;
      if (options.interactive) output.write('\n');
      print(reply);
      markAnswered();
      prompt();
    };
    const reply = await dispatch({ kind: 'text', line }, options.context(followUp, lineNumber), options.dispatch);
    // The answer came (and followUp prompted) while the command ran: a "queued" notice now would be stale, as on Discord and Slack.
    if (reply.awaiting && answered) continue;
    print(reply);
    if (reply.awaiting) {
      const waiting = withTimeout(answer, options.followUpTimeoutMs, () =>
        output.write('(still waiting for that answer; it will print when it comes)\n\n'),
      );
      if (options.interactive) {
        pending.add(waiting);
        void waiting.then(() => pending.delete(waiting));
      } else {
        await waiting;
      }
    }
    prompt();
  }
  rl.close();
  await Promise.all(pending);
}

function withTimeout(promise: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
