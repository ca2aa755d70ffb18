import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchOptions } from '../../src/app.ts';
import type { CommandContext } from '../../src/command/command.ts';
import { dispatch } from '../../src/command/dispatch.ts';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { testContext } from '../helpers.ts';
import { deferred, deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-budget-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A prompt the router scores heavy (multi-step proof, strict format): auto sends it to Maverick when allowed. */
const HEAVY =
  'Prove step by step that the sum of the first n odd numbers is n^2, then return the proof as JSON matching this schema: {"steps": [string], "qed": boolean}. Check every step by induction.';

let scout: FakeOpenAI;
let maverick: FakeOpenAI;
let pipeline: Pipeline;
let redis: Redis;
const posts: { platform: string; channel: string; text: string }[] = [];
const options = dispatchOptions(createLogger('error'));

beforeAll(async () => {
  scout = await startFakeOpenAI();
  // Slow enough (30 ms a token) that each answer costs about a cent at the price below.
  maverick = await startFakeOpenAI({ kind: 'ok', tokenDelayMs: 30 });
  pipeline = await startPipeline({
    config: parseConfig({
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: scout.url,
      MAVERICK_BASE_URL: maverick.url,
      // A $0.05 budget is crossed after a few answers.
      MAVERICK_PRICE_PER_GPU_HOUR_USD: '50',
      ASK_MAX_TOKENS: '32',
      ASK_USER_RATE_LIMIT: '30',
    }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('error'),
    workers: ['scout', 'maverick'],
    deliverOrphan: async () => {},
    post: async (platform, channel, reply) => {
      posts.push({ platform, channel, text: reply.text ?? '' });
    },
  });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await pipeline?.close();
  await scout?.close();
  await maverick?.close();
  await deleteKeys(redis, PREFIX);
  redis?.disconnect();
});

let counter = 0;
function context(team: string, user = 'u1', admin = false): { ctx: CommandContext; answer: Promise<Reply> } {
  const answer = deferred<Reply>();
  counter++;
  const ctx = testContext({
    platform: 'slack',
    team,
    channel: 'C1',
    now: new Date(),
    user: { id: user, name: user, admin },
    interactionId: `budget-${counter}-${Date.now()}`,
    ...(pipeline.ask ? { ask: pipeline.ask } : {}),
    ...(pipeline.teams ? { teams: pipeline.teams, budget: pipeline.teams } : {}),
    ...(pipeline.spend ? { spend: pipeline.spend } : {}),
    followUp: async (reply) => answer.resolve(reply),
  });
  return { ctx, answer: answer.promise };
}

async function run(line: string, team: string, user = 'u1', admin = false) {
  const { ctx, answer } = context(team, user, admin);
  const reply = await dispatch({ kind: 'text', line }, ctx, options);
  return { reply, answer };
}

describe('budgets: set by admins, enforced at routing, warned at 80 %', () => {
  it('GIVEN a non-admin THEN /budget is refused and nothing changes', async () => {
    const { reply } = await run('/budget team:5', 'team-x', 'u1', false);
    expect(reply.tone).toBe('error');
    expect(reply.text).toMatch(/for admins/);
    expect((await pipeline.teams?.settings('team-x'))?.teamWeeklyUsd).toBeUndefined();
  });

  it('GIVEN a bad amount THEN a clear error', async () => {
    const { reply } = await run('/budget team:lots', 'team-x', 'admin', true);
    expect(reply.text).toMatch(/give an amount in USD like 50/);
  });

  it('GIVEN a team budget crossed mid-week THEN the next auto /ask goes to Scout and says so, model:maverick is refused with the numbers, and the 80 % warning is posted once', async () => {
    const team = 'team-flip';
    const set = await run('/budget team:0.05', team, 'admin', true);
    expect(set.reply.text).toMatch(/Team budget: \$0\.05 a week/);

    // Spend under the budget: heavy prompts go to Maverick.
    let routedToMaverick = 0;
    for (let i = 0; i < 25; i++) {
      const { reply, answer } = await run(`/ask ${HEAVY}`, team);
      if (!/Queued on Maverick/.test(reply.text ?? '')) break;
      routedToMaverick++;
      await answer;
    }
    expect(routedToMaverick).toBeGreaterThan(0);

    const { reply } = await run(`/ask ${HEAVY}`, team);
    expect(reply.text).toMatch(/Queued on Scout/);
    expect(reply.text).toMatch(/budget: the team has spent \$[\d.]+ of a \$0\.050? weekly budget/);

    const refused = await run(`/ask model:maverick ${HEAVY}`, team);
    expect(refused.reply.tone).toBe('error');
    expect(refused.reply.text).toMatch(
      /Maverick is not available: the team has spent .* costs about \$[\d.]+ \(est\.\)/,
    );

    const warnings = posts.filter((p) => /Heads-up: the team has spent/.test(p.text));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ platform: 'slack', channel: 'C1' });
  });

  it('GIVEN a per-user cap THEN only that user is held to it', async () => {
    const team = 'team-cap';
    await run('/budget user:0', team, 'admin', true);
    const capped = await run(`/ask model:maverick ${HEAVY}`, team, 'u1');
    expect(capped.reply.text).toMatch(/Maverick is not available: you have spent \$0\.00 of a \$0\.00 weekly budget/);
    const scoutAsk = await run('/ask model:scout what is 2+2', team, 'u1');
    expect(scoutAsk.reply.text).toMatch(/Queued on Scout/);
  });
});

describe('the per-user rate limit on /ask', () => {
  it('GIVEN more asks than the limit in the window THEN the next is refused with when to try again, and other users are not affected', async () => {
    const team = 'team-rate';
    const replies: Reply[] = [];
    for (let i = 0; i < 31; i++) replies.push((await run('/ask model:scout what is 2+2', team, 'flood')).reply);
    expect(replies.slice(0, 30).every((r) => /Queued on Scout/.test(r.text ?? ''))).toBe(true);
    expect(replies[30]?.text).toMatch(
      /you have asked 30 times in the last 10 min, the most allowed — try again in \d+ s/,
    );
    expect((await run('/ask model:scout what is 2+2', team, 'someone-else')).reply.text).toMatch(/Queued on Scout/);
  });
});
