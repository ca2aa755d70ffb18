import type { Catalog } from '../fit/catalog/types.ts';
import type { EngineContext } from '../fit/engine.ts';
import type { LedgerEntry } from '../spend/ledger-entry.ts';
import type { Reply } from './reply.ts';
import type { ArgsOf, CommandSpec } from './spec.ts';

export type Platform = 'discord' | 'slack' | 'console';

/** What the /fit engine needs: the catalog (built-in plus a team's file) and calibration. */
export interface FitServices {
  catalog: Catalog;
  engine: EngineContext;
}

/** Delivers an answer that comes after the command's first reply (an /ask answer). */
export type FollowUp = (reply: Reply) => Promise<void>;

export interface AskRequest {
  team: string;
  platform: Platform;
  interactionId: string;
  userId: string;
  userName: string;
  channel?: string;
  prompt: string;
  target: 'scout' | 'maverick';
  routeReason: string;
}

/** The /ask pipeline as commands see it (implemented on BullMQ in src/queue/ask-queue.ts). */
export interface AskPort {
  /** Which models have a configured server. */
  readonly configured: { scout: boolean; maverick: boolean };
  /** Maverick's expected wait and the most auto routing may accept, s. */
  maverickWait(): Promise<{ expectedWaitSeconds: number; maxWaitSeconds: number }>;
  /** Enqueue once per interaction; the answer goes to followUp. */
  submit(
    request: AskRequest,
    followUp: FollowUp,
  ): Promise<{ duplicate: boolean; position: number; etaSeconds: number }>;
}

/** The ledger as commands see it. */
export interface SpendPort {
  entries(team: string, fromMs: number, toMs: number): Promise<LedgerEntry[]>;
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
  /** Absent when Redis is not reachable: /ask and /spend then say so. */
  ask?: AskPort;
  spend?: SpendPort;
  /** Why ask/spend are absent, shown to the user. */
  unavailable?: string;
  followUp?: FollowUp;
}

export interface Command<S extends CommandSpec = CommandSpec> {
  readonly spec: S;
  run(args: ArgsOf<S>, ctx: CommandContext): Promise<Reply> | Reply;
}

/** Declare a command with its argument types inferred from its spec. */
export function defineCommand<const S extends CommandSpec>(command: Command<S>): Command<S> {
  return command;
}

/** What an adapter knows about one interaction; the app adds the services (fit, ask, spend, time). */
export type InteractionContext = Pick<
  CommandContext,
  'platform' | 'team' | 'user' | 'channel' | 'interactionId' | 'followUp'
>;

/** Builds a command's full context from what an adapter knows. */
export type ContextFactory = (interaction: InteractionContext) => CommandContext;
