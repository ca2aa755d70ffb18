import { defineCommand } from '../src/command/command.ts';
import type { CommandSpec } from '../src/command/spec.ts';
import { UserError } from '../src/errors.ts';
import { summaryReply } from '../src/spend/summary-present.ts';

export const spendSpec = {
  name: 'spend',
  description: "The team's GPU spend for a week: by model, hardware and user, against last week and the budget",
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
    return { ...summaryReply(await ctx.spend.summary(ctx.team, args.week)), ephemeral: true };
  },
});
