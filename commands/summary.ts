import { defineCommand } from '../src/command/command.ts';
import type { CommandSpec } from '../src/command/spec.ts';
import { UserError } from '../src/errors.ts';
import type { TeamSettings } from '../src/team/settings.ts';
import { isTimeZone } from '../src/time/zone.ts';

/** Mondays at 09:00 in the team's time zone. */
export const DEFAULT_SUMMARY_CRON = '0 9 * * 1';

export const summarySpec = {
  name: 'summary',
  description: 'Post the weekly spend summary to a channel on a schedule (default Mondays 09:00)',
  admin: true,
  options: [
    {
      name: 'channel',
      description: 'here (this channel), off, or in Slack a channel id',
      type: 'string',
      maxLength: 40,
      example: 'here',
    },
    {
      name: 'schedule',
      description: 'cron in the team time zone, e.g. "0 9 * * 1" (Mondays 09:00)',
      type: 'string',
      maxLength: 60,
      example: 'cron',
    },
    {
      name: 'timezone',
      description: 'IANA time zone of the team, e.g. Europe/Berlin (weeks, budgets and the schedule)',
      type: 'string',
      maxLength: 60,
      example: 'Europe/Berlin',
    },
  ],
} as const satisfies CommandSpec;

function describe(settings: TeamSettings, nextAtMs?: number): string {
  const zone = settings.timeZone ?? 'UTC';
  if (!settings.summaryChannel) return `No weekly summary is posted. Time zone: ${zone}.`;
  const next = nextAtMs ? `; next on ${new Date(nextAtMs).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  return `The weekly summary goes to ${settings.summaryPlatform} channel ${settings.summaryChannel} on "${settings.summaryCron ?? DEFAULT_SUMMARY_CRON}" (${zone})${next}.`;
}

export const summaryCommand = defineCommand({
  spec: summarySpec,
  async run(args, ctx) {
    if (!ctx.teams) throw new UserError(ctx.unavailable ?? '/summary needs Redis, which is not available');
    const change: Parameters<typeof ctx.teams.update>[1] = {};
    if (args.timezone !== undefined) {
      if (!isTimeZone(args.timezone.trim()))
        throw new UserError(`'${args.timezone.slice(0, 40)}' is not an IANA time zone — e.g. Europe/Berlin`);
      change.timeZone = args.timezone.trim();
    }
    if (args.schedule !== undefined) {
      const cron = args.schedule.trim().replace(/^"|"$/g, '');
      if (cron.split(/\s+/).length !== 5) {
        throw new UserError(`schedule: give a cron line with 5 fields, e.g. "0 9 * * 1" (got '${cron.slice(0, 40)}')`);
      }
      change.summaryCron = cron;
    }
    if (args.channel !== undefined) {
      const channel = args.channel.trim();
      if (channel.toLowerCase() === 'off') {
        change.summaryChannel = null;
        change.summaryPlatform = null;
      } else {
        if (ctx.platform === 'console') {
          throw new UserError(
            'weekly summaries post to a Discord or Slack channel; here, use /spend or `fitbot spend`',
          );
        }
        const id = channel.toLowerCase() === 'here' ? ctx.channel : channel.replace(/^<#|>$/g, '');
        if (!id || !/^[A-Za-z0-9]+$/.test(id)) throw new UserError('channel: give here, a channel id, or off');
        // One Discord bot reaches the channels of every server it is in, so an id typed here could be another
        // server's: take only this channel. A Slack bot token reaches one workspace, so its ids stay with the team.
        if (ctx.platform === 'discord' && id !== ctx.channel) {
          throw new UserError('channel: run `/summary channel:here` in the channel that should get the summary');
        }
        change.summaryChannel = id;
        change.summaryPlatform = ctx.platform;
      }
    }
    if (Object.keys(change).length === 0) {
      return { title: 'Weekly summary', text: describe(await ctx.teams.settings(ctx.team)), ephemeral: true };
    }
    const { settings, nextSummaryAtMs } = await ctx.teams.update(ctx.team, change);
    return { title: 'Weekly summary', text: describe(settings, nextSummaryAtMs), tone: 'info' };
  },
});
