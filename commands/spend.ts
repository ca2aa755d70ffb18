import { defineCommand } from '../src/command/command.ts';
import type { CommandSpec } from '../src/command/spec.ts';
import { UserError } from '../src/errors.ts';
import { spendTotals } from '../src/spend/ledger-entry.ts';
import { spendReply } from '../src/spend/present.ts';
import { isoWeekOf, parseIsoWeek } from '../src/spend/week.ts';

export const spendSpec = {
  name: 'spend',
  description: "The team's GPU spend for a week: by model, hardware and user",
  options: [
    {
      name: 'week',
      description: 'ISO week, e.g. 2026-W48, or "last" (default: this week)',
      type: 'string',
      positional: 'word',
      maxLength: 10,
      example: '2026-W48',
    },
  ],
} as const satisfies CommandSpec;

export const spendCommand = defineCommand({
  spec: spendSpec,
  async run(args, ctx) {
    if (!ctx.spend) throw new UserError(ctx.unavailable ?? '/spend is not available on this bot');
    const thisWeek = isoWeekOf(ctx.now.getTime());
    const week =
      args.week === undefined || args.week.toLowerCase() === 'this'
        ? thisWeek
        : args.week.toLowerCase() === 'last'
          ? isoWeekOf(thisWeek.startMs - 1)
          : parseIsoWeek(args.week);
    if (!week) throw new UserError(`'${args.week}' is not an ISO week — write e.g. ${thisWeek.label} or last`);
    let entries: Awaited<ReturnType<typeof ctx.spend.entries>>;
    try {
      entries = await ctx.spend.entries(ctx.team, week.startMs, week.endMs);
    } catch {
      throw new UserError('the ledger (Redis) is not reachable right now — try again shortly');
    }
    return { ...spendReply(week.label, spendTotals(entries)), ephemeral: true };
  },
});
