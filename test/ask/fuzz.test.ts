import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { toDiscord } from '../../src/adapters/discord/render.ts';
import { toSlack } from '../../src/adapters/slack/render.ts';
import { answerReply } from '../../src/ask/present.ts';
import type { AskPort, AskRequest } from '../../src/command/command.ts';
import { dispatch } from '../../src/command/dispatch.ts';
import { testContext, testReceipt } from '../helpers.ts';

/** A plain AskPort that records what it is given, as a command test may pass. */
function recordingPort(): AskPort & { submitted: AskRequest[] } {
  const submitted: AskRequest[] = [];
  return {
    submitted,
    configured: { scout: true, maverick: true },
    maverickWait: async () => ({ expectedWaitSeconds: 30, maxWaitSeconds: 900 }),
    submit: async (request) => {
      submitted.push(request);
      return { duplicate: false, position: 1, etaSeconds: 5 };
    },
  };
}

const options = {
  commands,
  newErrorId: () => 'e1',
  onFailure: ({ error }: { error: unknown }) => {
    throw error;
  },
};

describe('/ask input fuzz', () => {
  it('GIVEN any text THEN /ask replies (a queue notice or a clear error), never crashes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.constantFrom('', ' ', '@everyone', '<!channel>', '\u0000\u0007', 'model:', 'model:gpt'),
        ),
        async (text) => {
          const port = recordingPort();
          const reply = await dispatch(
            { kind: 'text', line: `/ask ${text}` },
            testContext({ ask: port, followUp: async () => {}, interactionId: 'x' }),
            options,
          );
          expect(typeof reply.text).toBe('string');
          for (const r of port.submitted) {
            expect(r.prompt.trim()).not.toBe('');
            // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting they were removed
            expect(r.prompt).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('GIVEN an answer full of mentions THEN no platform rendering can ping anyone', () => {
    const reply = answerReply({
      askJobId: 'a',
      team: 't',
      platform: 'slack',
      userId: 'u',
      userName: 'ada',
      target: 'scout',
      routeReason: 'test',
      outcome: {
        ok: true,
        answer: '@everyone @here <@&123> <!channel> <!here> <!subteam^S1> <@U1>',
        finishReason: 'stop',
        receipt: testReceipt({
          promptTokens: 1,
          completionTokens: 1,
          tokensPerSec: 1,
          latencyMs: 1,
          costUsd: 0,
          costBasis: 'x',
          teamWeekUsd: 0,
          userWeekUsd: 0,
        }),
      },
    });
    expect(toDiscord(reply).allowed_mentions).toEqual({ parse: [] });
    const slack = JSON.stringify(toSlack(reply));
    expect(slack).not.toMatch(/<[!@]/);
  });
});
