import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, slashCommandRequest, startFakeSlack } from '../fakes/slack-server.ts';

const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
const SECRET = 'start-secret';

let slack: FakeSlack;
let bot: ChildProcess;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  slack = await startFakeSlack();
  port = await freePort();
  bot = spawn(process.execPath, [BIN], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      REDIS_URL: 'redis://127.0.0.1:1', // /fit needs no Redis; the pipeline reports itself off
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_MODE: 'http',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: String(port),
      SLACK_API_URL: slack.apiUrl,
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('fitbot did not start serving Slack');
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  bot?.kill('SIGTERM');
  await slack?.close();
});

describe('npm start with only the Slack HTTP variables', () => {
  it('GIVEN a signed /fit on SLACK_PORT at /slack/events THEN the answer goes to the response_url', async () => {
    const request = slashCommandRequest(
      {
        command: '/fit',
        text: 'maverick q3 2xh100',
        response_url: slack.responseUrl('start-1'),
        trigger_id: 'trigger-start-1',
      },
      SECRET,
    );
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', ...request });
    expect(response.status).toBe(200);
    await slack.waitFor(() => slack.responsePosts.some((p) => p.id === 'start-1'), 10_000);
    const post = slack.responsePosts.find((p) => p.id === 'start-1');
    expect(JSON.stringify(post?.body)).toContain('does not fit');
  });
});
