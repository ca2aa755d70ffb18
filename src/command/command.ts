import type { Catalog } from '../fit/catalog/types.ts';
import type { EngineContext } from '../fit/engine.ts';
import type { Reply } from './reply.ts';
import type { ArgsOf, CommandSpec } from './spec.ts';

export type Platform = 'discord' | 'slack' | 'console';

/** What the /fit engine needs: the catalog (built-in plus a team's file) and calibration. */
export interface FitServices {
  catalog: Catalog;
  engine: EngineContext;
}

/**
 * Everything a command may touch. Its only I/O goes through here, so a test
 * can pass a plain object.
 */
export interface CommandContext {
  platform: Platform;
  /** A Discord guild, a Slack workspace, or `console`: spend and data are kept per team. */
  team: string;
  user: { id: string; name: string };
  channel?: string;
  /** Interaction id from the platform (deduplicates work a platform delivers twice). */
  interactionId?: string;
  now: Date;
  fit: FitServices;
}

export interface Command<S extends CommandSpec = CommandSpec> {
  readonly spec: S;
  run(args: ArgsOf<S>, ctx: CommandContext): Promise<Reply> | Reply;
}

/** Declare a command with its argument types inferred from its spec. */
export function defineCommand<const S extends CommandSpec>(command: Command<S>): Command<S> {
  return command;
}
