import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ELECTRICITY_USD_PER_KWH, parseConfig } from '../src/config.ts';

describe('config', () => {
  it('GIVEN an empty environment THEN defaults', () => {
    expect(parseConfig({})).toEqual({
      logLevel: 'info',
      electricityUsdPerKwh: DEFAULT_ELECTRICITY_USD_PER_KWH,
      consoleUser: 'console-user',
    });
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
});
