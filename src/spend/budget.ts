import { usd } from '../fit/cost.ts';
import type { TeamSettings } from '../team/settings.ts';

/**
 * Whether a Maverick answer fits the team's and the asker's weekly budgets.
 * Pure: the caller passes what was spent this week and what the answer would
 * cost (an estimate: its busy time, plus a whole cold start when the pod is
 * stopped).
 */
export interface BudgetCheck {
  teamSpentUsd: number;
  userSpentUsd: number;
  /** What one Maverick answer would add, USD (an estimate). */
  maverickEstimateUsd: number;
}

export interface BudgetVerdict {
  maverickAllowed: boolean;
  /** With the numbers: spent, limit, estimate. */
  reason?: string;
}

export function budgetVerdict(settings: TeamSettings, check: BudgetCheck): BudgetVerdict {
  const over = (who: string, spent: number, limit: number | undefined) =>
    limit !== undefined && spent + check.maverickEstimateUsd > limit
      ? `${who} spent ${usd(spent)} of a ${usd(limit)} weekly budget and a Maverick answer costs about ${usd(check.maverickEstimateUsd)} (est.)`
      : undefined;
  const reason =
    over('the team has', check.teamSpentUsd, settings.teamWeeklyUsd) ??
    over('you have', check.userSpentUsd, settings.userWeeklyUsd);
  return reason ? { maverickAllowed: false, reason } : { maverickAllowed: true };
}

/** The 80 % warning, once a week: the share of the team budget used, when it has crossed the line. */
export function budgetWarning(settings: TeamSettings, teamSpentUsd: number): string | undefined {
  const limit = settings.teamWeeklyUsd;
  if (limit === undefined || limit <= 0 || teamSpentUsd < 0.8 * limit) return undefined;
  return `Heads-up: the team has spent ${usd(teamSpentUsd)} of its ${usd(limit)} weekly GPU budget (${Math.round((100 * teamSpentUsd) / limit)} %). Past the limit, /ask answers on Scout.`;
}
