import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { CommandContext } from '../../src/command/command.ts';
import { dispatch } from '../../src/command/dispatch.ts';
import { memoryTeams, testContext } from '../helpers.ts';

const options = { commands, onFailure: () => {}, newErrorId: () => 'x' };
const admin = { id: 'u1', name: 'ada', admin: true };

describe('/summary channel: a team posts only to its own channels', () => {
  it('GIVEN a Discord admin THEN channel:here and this channel are taken, another channel id is refused and nothing is stored', async () => {
    const teams = memoryTeams();
    const ctx = (over: Partial<CommandContext> = {}) =>
      testContext({ platform: 'discord', team: 'G1', channel: '400000000000000001', user: admin, teams, ...over });
    const other = await dispatch({ kind: 'text', line: '/summary channel:999000000000000001' }, ctx(), options);
    expect(other.ephemeral).toBe(true);
    expect(other.text).toMatch(/channel:here/);
    expect(teams.store.get('G1')?.summaryChannel).toBeUndefined();

    await dispatch({ kind: 'text', line: '/summary channel:<#400000000000000001>' }, ctx(), options);
    expect(teams.store.get('G1')?.summaryChannel).toBe('400000000000000001');
    await dispatch({ kind: 'text', line: '/summary channel:here' }, ctx({ channel: '400000000000000002' }), options);
    expect(teams.store.get('G1')?.summaryChannel).toBe('400000000000000002');
  });

  it('GIVEN a Slack admin THEN a channel id of the workspace is taken', async () => {
    const teams = memoryTeams();
    const ctx = testContext({ platform: 'slack', team: 'T1', channel: 'C1', user: admin, teams });
    await dispatch({ kind: 'text', line: '/summary channel:C2' }, ctx, options);
    expect(teams.store.get('T1')?.summaryChannel).toBe('C2');
  });
});
