import { UserError } from '../errors.ts';
import type { Command, CommandContext } from './command.ts';
import { parseNamed, parseText } from './parse.ts';
import { errorReply, type Reply } from './reply.ts';
import type { CommandSpec } from './spec.ts';

export type AnyCommand = Command<CommandSpec>;

/** A failure that is a bug, not the user's: what to log, and the id the user sees. */
export interface Failure {
  errorId: string;
  command: string;
  error: unknown;
}

export interface DispatchOptions {
  commands: readonly AnyCommand[];
  /** Called for every failure that is not a UserError; must not throw. */
  onFailure: (failure: Failure, ctx: CommandContext) => void;
  newErrorId: () => string;
}

export type CommandInput =
  | { kind: 'text'; line: string }
  | {
      kind: 'named';
      name: string;
      values: Readonly<Record<string, string | number | boolean | undefined>>;
    };

function find(commands: readonly AnyCommand[], name: string): AnyCommand {
  const command = commands.find((c) => c.spec.name === name.toLowerCase());
  if (command) return command;
  const names = commands.map((c) => `/${c.spec.name}`).join(', ');
  throw new UserError(`unknown command '/${name.slice(0, 30)}' — try ${names}`);
}

/** Admin commands run only for admins (the adapter decides who is one, from the platform's permissions). */
function allowed(command: AnyCommand, ctx: CommandContext): AnyCommand {
  if (command.spec.admin && !ctx.user.admin) {
    throw new UserError(
      `/${command.spec.name} is for admins (Discord: Manage Server permission; Slack: SLACK_ADMIN_USER_IDS).`,
    );
  }
  return command;
}

/** `/fit maverick q3 2xh100` → `{ name: 'fit', text: 'maverick q3 2xh100' }`. */
export function splitCommandLine(line: string): { name: string; text: string } {
  const m = /^\s*\/?(\S+)\s*([\s\S]*)$/.exec(line);
  if (!m?.[1]) throw new UserError('type a command, e.g. /fit maverick q3 2xh100');
  return { name: m[1], text: m[2] ?? '' };
}

/**
 * The one error boundary on the command path: parse, run, and turn a UserError
 * into its message and anything else into a short message with an error id.
 */
export async function dispatch(input: CommandInput, ctx: CommandContext, options: DispatchOptions): Promise<Reply> {
  let name = input.kind === 'named' ? input.name : '?';
  try {
    if (input.kind === 'text') {
      const { name: commandName, text } = splitCommandLine(input.line);
      name = commandName;
      const command = allowed(find(options.commands, commandName), ctx);
      return await command.run(parseText(command.spec, text), ctx);
    }
    const command = allowed(find(options.commands, input.name), ctx);
    return await command.run(parseNamed(command.spec, input.values), ctx);
  } catch (error) {
    if (error instanceof UserError) return errorReply(error.message);
    const errorId = options.newErrorId();
    options.onFailure({ errorId, command: name, error }, ctx);
    return errorReply(`Something went wrong on our side (error id ${errorId}). It has been logged.`);
  }
}
