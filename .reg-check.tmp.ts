import { execFileSync } from 'node:child_process';
import { startFakeDiscord } from '/work/main/test/fakes/discord-server.ts';
const fake = await startFakeDiscord();
for (const guild of ['', '999']) {
  try {
    const out = execFileSync('npx', ['tsx', 'scripts/register-discord.ts'], {
      cwd: '/work/main',
      env: { ...process.env, DISCORD_TOKEN: 'secret-tok', DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_ID: guild },
      encoding: 'utf8',
    });
    console.log('stdout:', out.trim(), '| contains token?', out.includes('secret-tok'));
  } catch (e) { console.log('failed', (e as Error).message); }
}
for (const r of fake.requests) console.log(r.method, r.route, r.headers.authorization, JSON.stringify(r.body).length);
await fake.close();
