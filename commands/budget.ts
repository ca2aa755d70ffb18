import { defineCommand } from '../src/command/command.ts';
import type { CommandSpec } from '../src/command/spec.ts';
import { UserError } from '../src/errors.ts';
import type { TeamSettings } from '../src/team/settings.ts';

const AMOUNT = /^(off|\$?\d+(\.\d{1,2})?)$/i;

export const budgetSpec = {
  name: 'budget',
  description: "Set the team's weekly GPU budget and each user's weekly cap (USD); Maverick is not used past them",
  admin: true,
  options: [
    {
      name: 'team',
      description: 'Team budget per week in USD, or off',
      type: 'string',
      maxLength: 12,
      example: '50',
    },
    {
      name: 'user',
      description: "Each user's cap per week in USD, or off",
      type: 'string',
      maxLength: 12,
      example: '10',
    },
  ],
} as const satisfies CommandSpec;

/** `$50`, `50`, `off` → 50 or null (cleared); anything else is a UserError. */
function amount(option: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim().toLowerCase();
  if (text === 'off') return null;
  const value = Number(text.replace(/^\$/, ''));
  if (!AMOUNT.test(text) || !Number.isFinite(value) || value < 0 || value > 1_000_000) {
    throw new UserError(`${option}: give an amount in USD like 50 or 12.50, or off (got '${raw.slice(0, 20)}')`);
  }
  return value;
}

function shown(usd: number | undefined): string {
  return usd === undefined ? 'none' : `$${usd.toFixed(2)} a week`;
}

function budgetText(settings: TeamSettings): string {
  return `Team budget: ${shown(settings.teamWeeklyUsd)}. Per-user cap: ${shown(settings.userWeeklyUsd)}. Past a limit, auto routing answers on Scout and model:maverick is refused; the channel is warned once a week at 80 %.`;
}

export const budgetCommand = defineCommand({
  spec: budgetSpec,
  async run(args, ctx) {
    if (!ctx.teams) throw new UserError(ctx.unavailable ?? '/budget needs Redis, which is not available');
    const change = {
      ...(args.team !== undefined ? { teamWeeklyUsd: amount('team', args.team) } : {}),
      ...(args.user !== undefined ? { userWeeklyUsd: amount('user', args.user) } : {}),
    };
    if (Object.keys(change).length === 0) {
      return { title: 'Budgets', text: budgetText(await ctx.teams.settings(ctx.team)), ephemeral: true };
    }
    const { settings } = await ctx.teams.update(ctx.team, change);
    return { title: 'Budgets updated', text: budgetText(settings), tone: 'info' };
  },
});
