import { type Command, defineCommand } from '../src/command/command.ts';
import { type CommandSpec, usageOf } from '../src/command/spec.ts';

const EXAMPLES = [
  '/fit maverick q3 2xh100',
  '/fit scout q4 rtx4090 ram:128',
  '/fit llama 3 70b q4 2x4090 context:32k hours:3/week',
];

/** `/help`, listing the given commands with their usage lines. */
export function helpCommand(specs: readonly CommandSpec[]): Command {
  return defineCommand({
    spec: { name: 'help', description: 'What fitbot can do', options: [] },
    run: () => ({
      title: 'fitbot',
      text: specs.map((s) => `\`${usageOf(s)}\`\n${s.description}`).join('\n\n'),
      fields: [{ name: 'Examples', value: EXAMPLES.join('\n') }],
      ephemeral: true,
    }),
  }) as Command;
}
