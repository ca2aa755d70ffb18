import type { AnyCommand } from '../src/command/dispatch.ts';
import { askCommand } from './ask.ts';
import { fitCommand } from './fit.ts';
import { helpCommand } from './help.ts';
import { spendCommand } from './spend.ts';

const main: readonly AnyCommand[] = [fitCommand as AnyCommand, askCommand as AnyCommand, spendCommand as AnyCommand];

/** Every slash command, in the order help lists them. */
export const commands: readonly AnyCommand[] = [...main, helpCommand(main.map((c) => c.spec))];
