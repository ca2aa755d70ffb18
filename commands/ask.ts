import { queuedText } from '../src/ask/present.ts';
import { defineCommand } from '../src/command/command.ts';
import type { CommandSpec } from '../src/command/spec.ts';
import { UserError } from '../src/errors.ts';
import { routePrompt } from '../src/routing/router.ts';

export const askSpec = {
  name: 'ask',
  description: 'Answer a prompt on the right model: local Llama 4 Scout, or Llama 4 Maverick on a rented pod',
  options: [
    {
      name: 'model',
      description: 'auto (default) picks by the prompt; scout or maverick to choose',
      type: 'string',
      choices: ['auto', 'scout', 'maverick'],
      example: 'auto',
    },
    {
      name: 'prompt',
      description: 'What to ask',
      type: 'string',
      required: true,
      positional: 'rest',
      maxLength: 16_000,
    },
  ],
} as const satisfies CommandSpec;

export const askCommand = defineCommand({
  spec: askSpec,
  async run(args, ctx) {
    const prompt = args.prompt.trim();
    if (prompt === '') throw new UserError('the prompt is empty — usage: /ask [model:auto|scout|maverick] <prompt>');
    if (!ctx.ask || !ctx.followUp) throw new UserError(ctx.unavailable ?? '/ask is not available on this bot');
    if (!ctx.interactionId) throw new UserError('this platform gave no interaction id; cannot queue');
    const wait = ctx.ask.configured.maverick
      ? await ctx.ask.maverickWait()
      : { expectedWaitSeconds: Number.POSITIVE_INFINITY, maxWaitSeconds: 0 };
    const budget =
      ctx.ask.configured.maverick && ctx.budget && args.model !== 'scout'
        ? await ctx.budget.maverickVerdict(ctx.team, ctx.user.id, prompt)
        : undefined;
    const decision = routePrompt(prompt, {
      requested: args.model ?? 'auto',
      maverick: { configured: ctx.ask.configured.maverick, ...wait },
      ...(budget ? { budget } : {}),
    });
    if (decision.target === 'scout' && !ctx.ask.configured.scout) {
      throw new UserError(`Scout is not configured on this bot (set SCOUT_BASE_URL); route was: ${decision.reason}`);
    }
    const queued = await ctx.ask.submit(
      {
        team: ctx.team,
        platform: ctx.platform,
        interactionId: ctx.interactionId,
        userId: ctx.user.id,
        userName: ctx.user.name,
        ...(ctx.channel ? { channel: ctx.channel } : {}),
        prompt,
        target: decision.target,
        routeReason: decision.reason,
      },
      ctx.followUp,
    );
    if (queued.duplicate)
      return { text: 'This request is already queued; its answer will follow once.', ephemeral: true };
    const text = queuedText(decision.target, queued.position, queued.etaSeconds, decision.reason);
    return { text: queued.note ? `${text}\n${queued.note}` : text, awaiting: true };
  },
});
