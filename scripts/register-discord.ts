/**
 * Register fitbot's slash commands with Discord (a bulk overwrite: commands no
 * longer declared are removed): `npx tsx scripts/register-discord.ts`. To one
 * guild when DISCORD_GUILD_ID is set (visible at once, for development),
 * otherwise globally. Reads DISCORD_TOKEN, DISCORD_APPLICATION_ID and
 * DISCORD_API_URL like the bot does; never prints the token. Prints the
 * invite URL with the permissions the bot needs.
 */
import { commands } from '../commands/index.ts';
import { discordCommandsJson, inviteUrl } from '../src/adapters/discord/register.ts';
import { ConfigError, readConfig } from '../src/config.ts';

async function register(): Promise<number> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n(see .env.example)\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
  const discord = config.discord;
  if (!discord) {
    process.stderr.write('DISCORD_TOKEN is not set (see .env.example)\n');
    return 78;
  }
  const app = encodeURIComponent(discord.applicationId);
  const path = discord.guildId
    ? `/v10/applications/${app}/guilds/${encodeURIComponent(discord.guildId)}/commands`
    : `/v10/applications/${app}/commands`;
  const body = discordCommandsJson(commands.map((c) => c.spec));
  const response = await fetch(`${discord.apiUrl}${path}`, {
    method: 'PUT',
    headers: { Authorization: `Bot ${discord.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    // Discord's error body names the offending field (e.g. options.0.description); it holds no secret.
    process.stderr.write(`Discord answered ${response.status}: ${(await response.text()).slice(0, 2000)}\n`);
    return 1;
  }
  const where = discord.guildId ? `guild ${discord.guildId}` : 'all guilds (global; may take up to an hour to show)';
  process.stdout.write(`registered ${body.map((c) => `/${c.name}`).join(', ')} for ${where}\n`);
  process.stdout.write(`invite the bot with its permissions: ${inviteUrl(discord.applicationId)}\n`);
  return 0;
}

process.exitCode = await register();
