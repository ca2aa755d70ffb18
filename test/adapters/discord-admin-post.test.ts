import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { type DiscordAdapter, startDiscord } from '../../src/adapters/discord/bot.ts';
import { discordCommandsJson, MANAGE_GUILD } from '../../src/adapters/discord/register.ts';
import { createLogger } from '../../src/log.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.ts';
import { memoryTeams, testContext } from '../helpers.ts';

const GUILD = '300000000000000009';
const CHANNEL = '400000000000000099';
/** A PNG signature and a few bytes: what the adapter sends is checked byte for byte. */
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe('Discord: admin commands and channel posts (real discord.js Client, fake Discord)', () => {
  let fake: FakeDiscord;
  let bot: DiscordAdapter;
  const teams = memoryTeams();

  beforeAll(async () => {
    fake = await startFakeDiscord();
    bot = await startDiscord({
      config: { token: 'fake-token', applicationId: fake.applicationId, apiUrl: fake.apiUrl },
      dispatch: { commands, onFailure: () => {}, newErrorId: () => 'x' },
      makeContext: (i) => testContext({ ...i, teams }),
      log: createLogger('error'),
    });
  });

  afterAll(async () => {
    await bot?.close();
    await fake?.close();
  });

  it('GIVEN the registration THEN /budget and /summary are visible to Manage Server by default', () => {
    const json = discordCommandsJson(commands.map((c) => c.spec));
    for (const name of ['budget', 'summary']) {
      expect(json.find((c) => c.name === name)?.default_member_permissions).toBe(MANAGE_GUILD);
    }
    expect(json.find((c) => c.name === 'fit')?.default_member_permissions).toBeUndefined();
    // Servers only: in a DM a command would count against a team nobody can set a budget for.
    for (const command of json) expect(command.contexts).toEqual([0]);
  });

  it('GIVEN a member without Manage Server THEN /budget is refused privately and nothing changes', async () => {
    const { token } = fake.sendCommand({
      name: 'budget',
      guildId: GUILD,
      options: [{ name: 'team', type: 3, value: '50' }],
    });
    const reply = await fake.waitFor(
      (r) => r.route.includes(token) && r.method === 'POST' && r.route.includes('/webhooks/'),
    );
    expect(reply.body.flags & 64).toBe(64); // ephemeral
    expect(JSON.stringify(reply.body)).toMatch(/for admins/);
    expect(teams.store.get(GUILD)?.teamWeeklyUsd).toBeUndefined();
  });

  it('GIVEN a member with Manage Server THEN /budget sets the team budget', async () => {
    const { token } = fake.sendCommand({
      name: 'budget',
      guildId: GUILD,
      permissions: MANAGE_GUILD,
      options: [
        { name: 'team', type: 3, value: '50' },
        { name: 'user', type: 3, value: '12.50' },
      ],
    });
    const edit = await fake.waitFor((r) => r.route.includes(token) && r.method === 'PATCH');
    expect(JSON.stringify(edit.body)).toMatch(/Team budget: \$50\.00 a week\. Per-user cap: \$12\.50 a week/);
    expect(teams.store.get(GUILD)).toMatchObject({ teamWeeklyUsd: 50, userWeeklyUsd: 12.5 });
  });

  it('GIVEN a summary with its chart THEN one channel message carries the embed with the image attached, pinging nobody', async () => {
    await bot.post(CHANNEL, {
      title: 'Spend, 2026-W48: $12.00',
      text: 'Summary text @everyone <@&123>',
      fields: [{ name: 'By user', value: 'ada: $12.00, 100 %' }],
      image: { filename: 'spend-2026-W48.png', png: PNG, alt: 'Daily spend by model' },
    });
    const post = await fake.waitFor((r) => r.method === 'POST' && r.route === `/channels/${CHANNEL}/messages`);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
    expect(post.body.embeds[0].title).toBe('Spend, 2026-W48: $12.00');
    expect(post.body.embeds[0].image).toEqual({ url: 'attachment://spend-2026-W48.png' });
    expect(post.body.attachments).toEqual([
      { id: 0, filename: 'spend-2026-W48.png', description: 'Daily spend by model' },
    ]);
    expect(post.files).toHaveLength(1);
    expect(post.files?.[0]?.name).toBe('spend-2026-W48.png');
    expect([...(post.files?.[0]?.data ?? [])]).toEqual([...PNG]);
  });
});
