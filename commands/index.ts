import type { AnyCommand } from '../src/command/dispatch.ts';
import { fitCommand } from './fit.ts';
import { helpCommand } from './help.ts';

const main: readonly AnyCommand[] = [fitCommand as AnyCommand];

/** Every slash command, in the order help lists them. */
export const commands: readonly AnyCommand[] = [...main, helpCommand(main.map((c) => c.spec))];
