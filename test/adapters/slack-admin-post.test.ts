import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { type SlackAdapter, startSlack } from '../../src/adapters/slack/app.ts';
import { createLogger } from '../../src/log.ts';
import { type FakeSlack, httpModeConfig, slashCommandRequest, startFakeSlack } from '../fakes/slack-server.ts';
import { memoryTeams, testContext } from '../helpers.ts';

const SECRET = 'admin-post-secret';
const ADMIN = 'U0ADMIN';
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7]);

const teams = memoryTeams();
const store = teams.store;

let slack: FakeSlack;
let adapter: SlackAdapter;

beforeAll(async () => {
  slack = await startFakeSlack();
  adapter = await startSlack({
    config: { ...httpModeConfig(slack, 'xoxb-admin-post', SECRET), adminUserIds: [ADMIN] },
    dispatch: { commands, onFailure: () => {}, newErrorId: () => 'e' },
    makeContext: (i) => testContext({ ...i, teams }),
    log: createLogger('error'),
    commandNames: commands.map((c) => c.spec.name),
  });
});

afterAll(async () => {
  await adapter?.close();
  await slack?.close();
});

let n = 0;
async function command(user: string, text: string, name = '/budget') {
  n++;
  const id = `admin-${n}`;
  const request = slashCommandRequest(
    { command: name, text, user_id: user, response_url: slack.responseUrl(id), trigger_id: `t-${id}` },
    SECRET,
  );
  const response = await fetch(`http://127.0.0.1:${adapter.port}/slack/events`, { method: 'POST', ...request });
  expect(response.status).toBe(200);
  await slack.waitFor(() => slack.responsePosts.some((p) => p.id === id));
  return slack.responsePosts.find((p) => p.id === id)?.body;
}

describe('Slack: admin commands and channel posts (real Bolt app, fake Slack)', () => {
  it('GIVEN a user not in SLACK_ADMIN_USER_IDS THEN /budget is refused privately', async () => {
    const body = await command('U0SOMEONE', 'team:50');
    expect(body.response_type).toBe('ephemeral');
    expect(JSON.stringify(body)).toMatch(/for admins/);
    expect(store.get('T1')?.teamWeeklyUsd).toBeUndefined();
  });

  it('GIVEN an admin THEN /budget sets the budget and /summary refuses a bad schedule with a clear message', async () => {
    expect(JSON.stringify(await command(ADMIN, 'team:50'))).toMatch(/Team budget: \$50\.00 a week/);
    expect(store.get('T1')?.teamWeeklyUsd).toBe(50);
    expect(JSON.stringify(await command(ADMIN, 'schedule:"every monday"', '/summary'))).toMatch(
      /give a cron line with 5 fields/,
    );
  });

  it('GIVEN a summary with its chart THEN it is posted with chat.postMessage and the PNG uploaded with files.uploadV2 to the channel', async () => {
    await adapter.post('C0SUMMARY', {
      title: 'Spend, 2026-W48: $12.00',
      text: 'Summary <!channel> text',
      image: { filename: 'spend-2026-W48.png', png: PNG, alt: 'Daily spend by model' },
    });
    const posted = slack.apiCalls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'C0SUMMARY');
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0]?.body)).not.toContain('<!channel>');
    const upload = slack.uploads.find((u) => u.filename === 'spend-2026-W48.png');
    expect(upload?.channel).toBe('C0SUMMARY');
    expect(upload?.altText).toBe('Daily spend by model');
    expect([...(upload?.bytes ?? [])]).toEqual([...PNG]);
  });
});
