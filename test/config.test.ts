import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ELECTRICITY_USD_PER_KWH, parseConfig } from '../src/config.ts';

describe('config', () => {
  it('GIVEN an empty environment THEN defaults', () => {
    expect(parseConfig({})).toMatchObject({
      logLevel: 'info',
      electricityUsdPerKwh: DEFAULT_ELECTRICITY_USD_PER_KWH,
      consoleUser: 'console-user',
      redisUrl: 'redis://127.0.0.1:6379',
      redisUrlExplicit: false,
      redisPrefix: 'fitbot',
      ask: { maxTokens: 1024, attempts: 3 },
    });
    expect(parseConfig({}).scout).toBeUndefined();
    expect(parseConfig({}).maverick).toBeUndefined();
  });

  it('GIVEN model servers THEN their settings, with defaults', () => {
    const config = parseConfig({
      SCOUT_BASE_URL: 'http://gpu-box:8080/v1',
      MAVERICK_BASE_URL: 'https://pod-8000.proxy.runpod.net/v1',
      MAVERICK_API_KEY: 'k',
    });
    expect(config.scout).toMatchObject({
      baseURL: 'http://gpu-box:8080/v1',
      concurrency: 1,
      quant: 'Q4_K_M',
      hardware: 'rtx-4090',
    });
    expect(config.maverick).toMatchObject({ apiKey: 'k', gpuCount: 2, hardware: 'h100-sxm', quant: 'UD-Q2_K_XL' });
  });

  it('GIVEN a bad URL and a bad count THEN both are named', () => {
    expect(() => parseConfig({ SCOUT_BASE_URL: 'not a url', SCOUT_BASE_URL_X: '', ASK_ATTEMPTS: '0' })).toThrow(
      /SCOUT_BASE_URL must be a URL[\s\S]*ASK_ATTEMPTS must be a whole number/,
    );
  });

  it('GIVEN a misspelt MAVERICK_POLICY and no pod THEN it is named all the same', () => {
    expect(() => parseConfig({ MAVERICK_POLICY: 'idle-stop-5' })).toThrow(/MAVERICK_POLICY must be always-on/);
  });

  it('GIVEN several bad variables THEN one error names each', () => {
    try {
      parseConfig({ LOG_LEVEL: 'loud', ELECTRICITY_USD_PER_KWH: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems).toContain("LOG_LEVEL must be one of debug, info, warn, error (got 'loud')");
      expect(problems).toContain("ELECTRICITY_USD_PER_KWH must be a price in USD per kWh between 0 and 10 (got '-1')");
    }
  });

  it('GIVEN the result THEN it is frozen', () => {
    expect(Object.isFrozen(parseConfig({ FITBOT_CATALOG: 'x.json' }))).toBe(true);
  });

  it('GIVEN a RunPod pod THEN its controller settings, with defaults', () => {
    const config = parseConfig({
      MAVERICK_BASE_URL: 'https://abc-8080.proxy.runpod.net/v1',
      RUNPOD_API_KEY: 'rp',
      RUNPOD_POD_ID: 'abc',
      MAVERICK_POLICY: 'idle-stop-0.1m',
    });
    expect(config.maverick?.pod).toMatchObject({
      podId: 'abc',
      policy: 'idle-stop-0.1m',
      waitTargetSeconds: 600,
      coldStartSeconds: 600,
      windows: 'Mon-Fri 09:00-18:00',
      timeZone: 'UTC',
      pollMs: 15_000,
      maxPodHoursPerDay: 14,
    });
    expect(parseConfig({}).workers).toEqual(['scout', 'maverick']);
    expect(parseConfig({ FITBOT_WORKERS: 'none' }).workers).toEqual([]);
    expect(parseConfig({}).ops).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('GIVEN bad pod settings THEN each is named', () => {
    expect(() =>
      parseConfig({
        RUNPOD_API_KEY: 'rp',
        RUNPOD_POD_ID: 'abc',
        MAVERICK_POLICY: 'sometimes',
        MAVERICK_WINDOWS: 'Mon-Fri 22:00-02:00',
        MAVERICK_TIMEZONE: 'Mars/Olympus',
        FITBOT_WORKERS: 'scout,gpt',
      }),
    ).toThrow(
      /MAVERICK_POLICY must be[\s\S]*MAVERICK_WINDOWS: window .* crosses midnight[\s\S]*MAVERICK_TIMEZONE must be an IANA time zone[\s\S]*FITBOT_WORKERS must be[\s\S]*RUNPOD_POD_ID needs MAVERICK_BASE_URL/,
    );
    expect(() => parseConfig({ RUNPOD_API_KEY: 'rp' })).toThrow(/RUNPOD_API_KEY and RUNPOD_POD_ID go together/);
  });
});
