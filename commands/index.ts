import type { AnyCommand } from '../src/command/dispatch.ts';
import { askCommand } from './ask.ts';
import { budgetCommand } from './budget.ts';
import { fitCommand } from './fit.ts';
import { helpCommand } from './help.ts';
import { spendCommand } from './spend.ts';
import { summaryCommand } from './summary.ts';

const main: readonly AnyCommand[] = [
  fitCommand as AnyCommand,
  askCommand as AnyCommand,
  spendCommand as AnyCommand,
  budgetCommand as AnyCommand,
  summaryCommand as AnyCommand,
];

/** Every slash command, in the order help lists them. */
export const commands: readonly AnyCommand[] = [...main, helpCommand(main.map((c) => c.spec))];
