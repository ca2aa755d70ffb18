import type { Catalog } from '../fit/catalog/types.ts';
import type { EngineContext } from '../fit/engine.ts';
import type { BudgetVerdict } from '../spend/budget.ts';
import type { WeeklySummary } from '../spend/summary.ts';
import type { TeamSettings } from '../team/settings.ts';
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
  maverickWait(): Promise<{ expectedWaitSeconds: number; maxWaitSeconds: number; paused?: string }>;
  /** Enqueue once per interaction; the answer goes to followUp. `note`: the pod's state, when it adds to the wait. */
  submit(
    request: AskRequest,
    followUp: FollowUp,
  ): Promise<{ duplicate: boolean; position: number; etaSeconds: number; note?: string }>;
}

/** Budgets as /ask sees them. */
export interface BudgetPort {
  /** Whether a Maverick answer to this prompt fits the team's and the asker's weekly budgets. */
  maverickVerdict(team: string, userId: string, prompt: string): Promise<BudgetVerdict>;
}

/** A team's settings as admin commands see them. */
export interface TeamPort {
  settings(team: string): Promise<TeamSettings>;
  /** Set fields (`null` clears one); the weekly summary is rescheduled to match. Returns the new settings and the next summary time. */
  update(
    team: string,
    change: { [K in keyof TeamSettings]?: TeamSettings[K] | null },
  ): Promise<{ settings: TeamSettings; nextSummaryAtMs?: number }>;
}

/** The ledger as commands see it. */
export interface SpendPort {
  /** The team's week (`this`, `last` or `2026-W48`, in its time zone) compared with the week before; UserError for a bad week. */
  summary(team: string, week?: string): Promise<WeeklySummary>;
}

/**
 * Everything a command may touch. Its only I/O goes through here, so a test
 * can pass a plain object.
 */
export interface CommandContext {
  platform: Platform;
  /** A Discord guild, a Slack workspace, or `console`: spend and data are kept per team. */
  team: string;
  /** `admin`: may change the team's settings (Discord: Manage Server; Slack: SLACK_ADMIN_USER_IDS; the console's user). */
  user: { id: string; name: string; admin?: boolean };
  channel?: string;
  /** Interaction id from the platform (deduplicates work a platform delivers twice). */
  interactionId?: string;
  now: Date;
  fit: FitServices;
  /** Absent when Redis is not reachable: /ask and /spend then say so. */
  ask?: AskPort;
  spend?: SpendPort;
  budget?: BudgetPort;
  teams?: TeamPort;
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
