import type { CommandSpec, OptionSpec, OptionType } from '../../command/spec.ts';
import { truncate } from '../../command/split.ts';

// Application command limits (discord.com/developers/docs/interactions/application-commands#application-command-object):
// descriptions 1–100 characters, at most 25 options and 25 choices, a string option's max_length at most 6000.
const DESCRIPTION_CHARS = 100;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
const MAX_STRING_OPTION_LENGTH = 6000;

/** ApplicationCommandType.ChatInput. */
const CHAT_INPUT = 1;

/** ApplicationCommandOptionType: STRING 3, INTEGER 4, NUMBER 10. */
const OPTION_TYPES: Readonly<Record<OptionType, 3 | 4 | 10>> = { string: 3, integer: 4, number: 10 };

/** One option of a slash command as Discord's REST API takes it. */
export interface DiscordOptionJson {
  type: 3 | 4 | 10;
  name: string;
  description: string;
  required?: true;
  choices?: { name: string; value: string }[];
  min_value?: number;
  max_value?: number;
  max_length?: number;
}

/** One slash command as Discord's bulk overwrite (`PUT …/commands`) takes it. */
export interface DiscordCommandJson {
  type: typeof CHAT_INPUT;
  name: string;
  description: string;
  options: DiscordOptionJson[];
  /** "32" (Manage Server): only members with it see an admin command until a server admin grants it to others. */
  default_member_permissions?: typeof MANAGE_GUILD;
  /** Where the command may be used: only in servers ({@link GUILD_ONLY}). */
  contexts: number[];
}

/**
 * Interaction context 0 (GUILD) alone: a server is the team whose budget, rate limit and spend a command counts
 * against; in a DM with the bot nobody is an admin and no budget could be set, so asks there would escape them.
 */
export const GUILD_ONLY = [0];

/** Discord's Manage Server permission bit (1 << 5), as the API takes it: a string. */
export const MANAGE_GUILD = '32';

function optionJson(option: OptionSpec): DiscordOptionJson {
  const json: DiscordOptionJson = {
    type: OPTION_TYPES[option.type],
    name: option.name,
    description: truncate(option.description, DESCRIPTION_CHARS),
  };
  if (option.required) json.required = true;
  if (option.choices) json.choices = option.choices.slice(0, MAX_CHOICES).map((c) => ({ name: c, value: c }));
  if (option.type !== 'string') {
    if (option.min !== undefined) json.min_value = option.min;
    if (option.max !== undefined) json.max_value = option.max;
  }
  // A longer declared limit (the /ask prompt takes 16,000 in text) is capped: Discord rejects the whole command.
  if (option.type === 'string' && option.maxLength !== undefined) {
    json.max_length = Math.min(option.maxLength, MAX_STRING_OPTION_LENGTH);
  }
  return json;
}

/**
 * The application-command JSON array for Discord's bulk overwrite, from the
 * commands' declarations: required options first (Discord rejects a required
 * option after an optional one), descriptions cut to 100 characters.
 */
export function discordCommandsJson(specs: readonly CommandSpec[]): DiscordCommandJson[] {
  return specs.map((spec) => {
    const required = spec.options.filter((o) => o.required);
    const optional = spec.options.filter((o) => !o.required);
    return {
      type: CHAT_INPUT,
      name: spec.name,
      description: truncate(spec.description, DESCRIPTION_CHARS),
      options: [...required, ...optional].slice(0, MAX_OPTIONS).map(optionJson),
      ...(spec.admin ? { default_member_permissions: MANAGE_GUILD } : {}),
      contexts: GUILD_ONLY,
    };
  });
}

/**
 * What the bot needs in a channel when it posts there itself (an answer whose
 * interaction expired, the weekly summary, a budget warning): View Channel
 * (1 << 10), Send Messages (1 << 11), Embed Links (1 << 14, the answers are
 * embeds), Attach Files (1 << 15, the summary's PNG chart) and Send Messages
 * in Threads (1 << 38, a command run in a thread is answered there). Replies to
 * an interaction need none (discord.com/developers/docs/topics/permissions).
 */
export const BOT_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 38n));

/** The OAuth2 URL that adds the bot to a server with its slash commands (scope applications.commands) and BOT_PERMISSIONS. */
export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: 'bot applications.commands',
    permissions: BOT_PERMISSIONS,
  });
  return `https://discord.com/oauth2/authorize?${query}`;
}
