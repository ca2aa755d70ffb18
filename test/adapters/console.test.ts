import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { runConsoleChat } from '../../src/adapters/console/chat.ts';
import type { AskPort, FollowUp } from '../../src/command/command.ts';
import { testContext } from '../helpers.ts';

/** Runs the console chat over `lines` (a script, not a terminal) and returns what it printed. */
async function chat(lines: string[], ask: AskPort): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  input.end(`${lines.join('\n')}\n`);
  await runConsoleChat({
    input,
    output,
    interactive: false,
    dispatch: { commands, newErrorId: () => 'e1', onFailure: () => {} },
    context: (followUp: FollowUp, line: number) => testContext({ interactionId: `i${line}`, followUp, ask }),
    followUpTimeoutMs: 2000,
  });
  return printed;
}

describe('console chat', () => {
  it('GIVEN an /ask answer that comes while the command still runs THEN only the answer prints, no stale queued notice', async () => {
    const ask: AskPort = {
      configured: { scout: true, maverick: false },
      maverickWait: async () => ({ expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 }),
      async submit(_request, followUp) {
        await followUp({ text: 'forty-two' });
        return { duplicate: false, position: 1, etaSeconds: 5 };
      },
    };
    const printed = await chat(['/ask what is the answer'], ask);
    expect(printed).toContain('forty-two');
    expect(printed).not.toMatch(/queued/i);
  });

  it('GIVEN an /ask answer that comes later THEN the queued notice prints first, then the answer', async () => {
    const ask: AskPort = {
      configured: { scout: true, maverick: false },
      maverickWait: async () => ({ expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 }),
      async submit(_request, followUp) {
        setTimeout(() => void followUp({ text: 'forty-two' }), 20);
        return { duplicate: false, position: 1, etaSeconds: 5 };
      },
    };
    const printed = await chat(['/ask what is the answer'], ask);
    expect(printed.search(/queued/i)).toBeGreaterThanOrEqual(0);
    expect(printed.search(/queued/i)).toBeLessThan(printed.indexOf('forty-two'));
  });
});
