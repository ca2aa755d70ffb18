import type { Redis } from 'ioredis';

/**
 * What a team's admins set: budgets and where and when the weekly summary is
 * posted. One Redis hash per team under `<prefix>:team:<team>:settings`.
 */
export interface TeamSettings {
  /** Team spend per week above which Maverick is not used, USD. */
  teamWeeklyUsd?: number;
  /** Each user's spend per week above which their Maverick asks are refused, USD. */
  userWeeklyUsd?: number;
  /** IANA time zone of the team's weeks and schedule (default UTC). */
  timeZone?: string;
  /** Where the weekly summary goes: the platform's channel id. */
  summaryPlatform?: 'discord' | 'slack';
  summaryChannel?: string;
  /** When, as cron (`0 9 * * 1` = Mondays 09:00) in `timeZone`. */
  summaryCron?: string;
}

const NUMBERS = ['teamWeeklyUsd', 'userWeeklyUsd'] as const;

/** The Redis hash of a team's settings. */
export function settingsKey(prefix: string, team: string): string {
  return `${prefix}:team:${encodeURIComponent(team)}:settings`;
}

export class TeamSettingsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(team: string): string {
    return settingsKey(this.prefix, team);
  }

  async get(team: string): Promise<TeamSettings> {
    const hash = await this.redis.hgetall(this.key(team));
    const settings: Record<string, string | number> = { ...hash };
    for (const key of NUMBERS) if (hash[key] !== undefined) settings[key] = Number(hash[key]);
    return settings as TeamSettings;
  }

  /** Set the given fields; `null` removes one. Returns the new settings. */
  async update(team: string, change: { [K in keyof TeamSettings]?: TeamSettings[K] | null }): Promise<TeamSettings> {
    const set = Object.entries(change).filter(([, v]) => v !== null && v !== undefined);
    const removed = Object.entries(change)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    const multi = this.redis.multi();
    if (set.length > 0) multi.hset(this.key(team), ...set.flatMap(([k, v]) => [k, String(v)]));
    if (removed.length > 0) multi.hdel(this.key(team), ...removed);
    multi.sadd(`${this.prefix}:teams`, team);
    await multi.exec();
    return this.get(team);
  }

  /** Every team that has settings. */
  async teams(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}:teams`);
  }

  /** Undo `once` (what it guarded did not happen after all). */
  async forget(what: string): Promise<void> {
    await this.redis.del(`${this.prefix}:once:${what}`);
  }

  /** True the first time it is called for this key (a warning, a summary): later calls return false. */
  async once(what: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:once:${what}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}
