import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { type SlackAdapter, startSlack } from '../../src/adapters/slack/app.ts';
import type { InteractionContext } from '../../src/command/command.ts';
import { createLogger } from '../../src/log.ts';
import { type FakeSlack, type FakeSocketMode, startFakeSlack, startFakeSocketMode } from '../fakes/slack-server.ts';
import { testContext } from '../helpers.ts';

const BOT_TOKEN = 'xoxb-t';
const APP_TOKEN = 'xapp-t';

let socket: FakeSocketMode;
let slack: FakeSlack;
let adapter: SlackAdapter;
const logLines: string[] = [];
const interactions: InteractionContext[] = [];

beforeAll(async () => {
  socket = await startFakeSocketMode();
  slack = await startFakeSlack({ socketModeUrl: socket.url });
  adapter = await startSlack({
    config: {
      botToken: BOT_TOKEN,
      mode: 'socket',
      appToken: APP_TOKEN,
      port: 0,
      apiUrl: slack.apiUrl,
      adminUserIds: [],
    },
    dispatch: { commands, onFailure: () => {}, newErrorId: () => 'e1' },
    makeContext: (i) => {
      interactions.push(i);
      return testContext({ ...i });
    },
    log: createLogger('info', (line) => logLines.push(line)),
    commandNames: commands.map((c) => c.spec.name),
  });
});

afterAll(async () => {
  await adapter?.close();
  await socket?.close();
  await slack?.close();
});

describe('Slack adapter, the real Bolt App over Socket Mode', () => {
  it('GIVEN the app token THEN it opens a connection with it and the socket says hello once', () => {
    const opens = slack.apiCalls.filter((c) => c.method === 'apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(slack.apiCalls.find((c) => c.method === 'auth.test')?.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(socket.connections()).toBe(1);
  });

  it('GIVEN a /fit maverick q3 2xh100 envelope THEN it acks the envelope at once and answers on the response_url', async () => {
    const sent = performance.now();
    socket.send({
      envelope_id: 'e1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        command: '/fit',
        text: 'maverick q3 2xh100',
        team_id: 'T1',
        user_id: 'U1',
        user_name: 'ada',
        channel_id: 'C1',
        response_url: slack.responseUrl('s1'),
        trigger_id: 't1',
        api_app_id: 'A1',
      },
    });
    const ackOf = () => socket.received.find((m) => m.data?.envelope_id === 'e1');
    await slack.waitFor(() => ackOf() !== undefined);
    const ack = ackOf();
    expect(ack?.data).toMatchObject({ envelope_id: 'e1' });
    expect((ack?.at ?? Number.POSITIVE_INFINITY) - sent).toBeLessThan(3000); // Slack's ack deadline

    await slack.waitFor(() => slack.responsePosts.some((p) => p.id === 's1'));
    const posts = slack.responsePosts.filter((p) => p.id === 's1');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.status).toBe(200);
    expect(posts[0]?.body.response_type).toBe('in_channel');
    expect(JSON.stringify(posts[0]?.body.blocks)).toContain('does not fit');
    expect(interactions.find((i) => i.interactionId === 't1')).toMatchObject({
      platform: 'slack',
      team: 'T1',
      user: { id: 'U1', name: 'ada' },
      channel: 'C1',
    });
    // The ack carried no answer: the reply went only to the response_url.
    expect(socket.received.filter((m) => m.data?.envelope_id === 'e1')).toHaveLength(1);
  });

  it('GIVEN everything above THEN neither token was logged', () => {
    const log = logLines.join('\n');
    expect(log).not.toContain(BOT_TOKEN);
    expect(log).not.toContain(APP_TOKEN);
  });
});
