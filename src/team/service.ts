import type { Queue } from 'bullmq';
import { DEFAULT_SUMMARY_CRON } from '../../commands/summary.ts';
import { approxTokens } from '../ask/answer.ts';
import { busySeconds, type ServerSpeed } from '../ask/maverick-speed.ts';
import type { BudgetPort, TeamPort } from '../command/command.ts';
import { UserError } from '../errors.ts';
import type { PodWait } from '../runpod/present.ts';
import { type BudgetVerdict, budgetVerdict, budgetWarning } from '../spend/budget.ts';
import type { LedgerEntry } from '../spend/ledger-entry.ts';
import { jobCost, type Pricing } from '../spend/pricing.ts';
import { type WeeklySummary, weeklySummary } from '../spend/summary.ts';
import { isoWeekIn, parseIsoWeekIn, type WeekRange } from '../spend/week.ts';
import type { TeamSettings, TeamSettingsStore } from './settings.ts';

/** A weekly summary job: which team (the week is the one that just ended when it runs). */
export interface SummaryJobData {
  team: string;
}

export interface TeamServiceOptions {
  settings: TeamSettingsStore;
  ledger: { between(team: string, fromMs: number, toMs: number): Promise<LedgerEntry[]> };
  /** The queue the weekly summaries are scheduled on (absent for read-only use, e.g. `fitbot spend`). */
  summaries?: Queue<SummaryJobData>;
  /** Maverick's price and speed, for what one answer would cost; absent when Maverick is not configured. */
  maverick?: {
    pricing: Pricing & { provider: 'runpod' };
    speed: ServerSpeed;
    maxTokens: number;
    /** A stopped pod costs a whole cold start before the answer. */
    pod?: () => Promise<PodWait>;
    /** The team's likely part of the open pod run's boot and idle cost, not yet in the ledger (settled at stop), USD. */
    openRunUsd?: (team: string) => Promise<number>;
  };
  now: () => number;
}

/**
 * A team's settings, budgets and summary schedule, on Redis. Budgets are
 * checked against the ledger of the team's current week (in its time zone) at
 * every Maverick-bound /ask.
 */
export class TeamService implements TeamPort, BudgetPort {
  constructor(private readonly o: TeamServiceOptions) {}

  settings(team: string): Promise<TeamSettings> {
    return this.o.settings.get(team);
  }

  async update(team: string, change: Parameters<TeamPort['update']>[1]) {
    const before = await this.o.settings.get(team);
    const settings = await this.o.settings.update(team, change);
    try {
      const nextSummaryAtMs = await this.schedule(team, settings);
      return { settings, ...(nextSummaryAtMs !== undefined ? { nextSummaryAtMs } : {}) };
    } catch (error) {
      // A schedule the scheduler refuses is not kept: put back what the change replaced.
      const undo = Object.fromEntries(Object.keys(change).map((k) => [k, before[k as keyof TeamSettings] ?? null]));
      await this.o.settings.update(team, undo);
      throw error;
    }
  }

  /** Keep the team's job scheduler in step with its settings; returns the next run. */
  private async schedule(team: string, settings: TeamSettings): Promise<number | undefined> {
    const id = `summary:${team}`;
    const { summaries } = this.o;
    if (!summaries) throw new Error('this team service cannot schedule summaries');
    if (!settings.summaryChannel) {
      await summaries.removeJobScheduler(id);
      return undefined;
    }
    try {
      await summaries.upsertJobScheduler(
        id,
        { pattern: settings.summaryCron ?? DEFAULT_SUMMARY_CRON, tz: settings.timeZone ?? 'UTC' },
        {
          name: 'summary',
          data: { team },
          opts: {
            attempts: 5,
            backoff: { type: 'exponential', delay: 60_000 },
            removeOnComplete: 50,
            removeOnFail: 50,
          },
        },
      );
    } catch (error) {
      throw new UserError(`the schedule was not accepted: ${error instanceof Error ? error.message : String(error)}`);
    }
    return (await summaries.getJobScheduler(id))?.next;
  }

  /** The team's and each user's spend in the team's current week. */
  async weekSpend(team: string, timeZone?: string): Promise<{ teamUsd: number; byUser: Map<string, number> }> {
    const zone = timeZone ?? (await this.o.settings.get(team)).timeZone ?? 'UTC';
    const week = isoWeekIn(this.o.now(), zone);
    const entries = await this.o.ledger.between(team, week.startMs, week.endMs);
    const byUser = new Map<string, number>();
    let teamUsd = 0;
    for (const e of entries) {
      if (e.status !== 'ok') continue;
      teamUsd += e.costUsd;
      byUser.set(e.userId, (byUser.get(e.userId) ?? 0) + e.costUsd);
    }
    return { teamUsd, byUser };
  }

  async maverickVerdict(team: string, userId: string, prompt: string): Promise<BudgetVerdict> {
    const settings = await this.o.settings.get(team);
    const maverick = this.o.maverick;
    if (!maverick || (settings.teamWeeklyUsd === undefined && settings.userWeeklyUsd === undefined)) {
      return { maverickAllowed: true };
    }
    const spend = await this.weekSpend(team, settings.timeZone);
    const pod = await maverick.pod?.();
    // The answer's busy time as it will be charged (shared by the server's slots), and a whole cold start when
    // the pod is stopped: the asker may be the only one to pay for that boot.
    const answer = jobCost(maverick.pricing, busySeconds(maverick.speed, approxTokens(prompt), maverick.maxTokens));
    const bootSeconds = pod && Number.isFinite(pod.seconds) ? pod.seconds : 0;
    const bootUsd = (bootSeconds * maverick.pricing.pricePerGpuHourUsd * maverick.pricing.gpuCount) / 3600;
    // A pod run's boot and idle time is charged when the pod stops; a budget must count it before.
    const unsettled = (await maverick.openRunUsd?.(team)) ?? 0;
    return budgetVerdict(settings, {
      teamSpentUsd: spend.teamUsd + unsettled,
      userSpentUsd: spend.byUser.get(userId) ?? 0,
      maverickEstimateUsd: answer.costUsd + bootUsd,
    });
  }

  /**
   * A team's week in its time zone: `this` (default), `last`, or an ISO week
   * label like 2026-W48; UserError for anything else.
   */
  async week(team: string, which = 'this'): Promise<{ week: WeekRange; settings: TeamSettings }> {
    const settings = await this.o.settings.get(team);
    const zone = settings.timeZone ?? 'UTC';
    const current = isoWeekIn(this.o.now(), zone);
    const label = which.trim().toLowerCase();
    const week =
      label === 'this'
        ? current
        : label === 'last'
          ? isoWeekIn(current.startMs - 1, zone)
          : parseIsoWeekIn(which, zone);
    if (!week) throw new UserError(`'${which.slice(0, 20)}' is not an ISO week — write e.g. ${current.label} or last`);
    return { week, settings };
  }

  /** The weekly summary of a team: the week asked for, compared with the one before. */
  async summary(team: string, which = 'this'): Promise<WeeklySummary> {
    const { week, settings } = await this.week(team, which);
    const zone = settings.timeZone ?? 'UTC';
    const previous = isoWeekIn(week.startMs - 1, zone);
    const [entries, before] = await Promise.all([
      this.o.ledger.between(team, week.startMs, week.endMs),
      this.o.ledger.between(team, previous.startMs, previous.endMs),
    ]);
    const maverick = this.o.maverick;
    return weeklySummary({
      team,
      timeZone: zone,
      week,
      entries,
      previous: before,
      budget: {
        ...(settings.teamWeeklyUsd !== undefined ? { teamWeeklyUsd: settings.teamWeeklyUsd } : {}),
        ...(settings.userWeeklyUsd !== undefined ? { userWeeklyUsd: settings.userWeeklyUsd } : {}),
      },
      nowMs: this.o.now(),
      ...(maverick
        ? {
            maverick: {
              pricing: maverick.pricing,
              decodeTokensPerSec: maverick.speed.decodeTokensPerSec,
              promptTokensPerSec: maverick.speed.promptTokensPerSec,
              source: maverick.speed.source,
            },
          }
        : {}),
    });
  }

  /** The 80 % warning for a team, the first time it applies in its week; undefined otherwise. */
  async warningDue(team: string): Promise<{ text: string; settings: TeamSettings } | undefined> {
    const settings = await this.o.settings.get(team);
    if (settings.teamWeeklyUsd === undefined) return undefined;
    const zone = settings.timeZone ?? 'UTC';
    const text = budgetWarning(settings, (await this.weekSpend(team, zone)).teamUsd);
    if (!text) return undefined;
    const week = isoWeekIn(this.o.now(), zone);
    return (await this.o.settings.once(`budget-warning:${encodeURIComponent(team)}:${week.label}`, 8 * 86_400))
      ? { text, settings }
      : undefined;
  }
}
