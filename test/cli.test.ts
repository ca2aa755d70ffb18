import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys } from './redis-helpers.ts';

const BIN = new URL('../bin/fitbot.js', import.meta.url).pathname;
/** The console chat starts the /ask pipeline on the test Redis: its keys go under this prefix, removed after. */
const PREFIX = `test-cli-${process.pid}`;

afterAll(async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

function fitbot(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn', REDIS_PREFIX: PREFIX, ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fitbot fit (CLI)', () => {
  it('GIVEN --json THEN one object with the contract fields', () => {
    const { code, stdout } = fitbot(['fit', 'maverick', 'q3', '2xh100', '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.verdict).toBe('no-fit');
    expect(out.memory.requiredGB).toBeGreaterThan(out.memory.availableGB);
    for (const key of ['decodeTokensPerSec', 'low', 'high']) expect(typeof out.speed[key]).toBe('number');
    expect(out.cost.perHourUsd).toBeGreaterThan(0);
    expect(out.cost.per1MTokensUsd).toBeGreaterThan(0);
    expect(out.alternatives.length).toBeGreaterThan(0);
  });

  it('GIVEN words split across arguments and flags THEN they parse like chat text', () => {
    const { code, stdout } = fitbot([
      'fit',
      'llama4',
      'maverick',
      'q4',
      '4x',
      'h100',
      'sxm',
      '--context',
      '32k',
      '--json',
    ]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect([out.verdict, out.hardware.count, out.contextTokens]).toEqual(['fits', 4, 32768]);
  });

  it('GIVEN --catalog with a team GPU and model THEN they are used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitbot-cat-'));
    const file = join(dir, 'catalog.json');
    writeFileSync(
      file,
      JSON.stringify({
        hardware: [
          { id: 'lab-box', name: 'Lab box', kind: 'nvidia', memoryGB: 48, bandwidthGBps: 900, pricePerHourUsd: 0.5 },
        ],
        models: [
          {
            id: 'tiny',
            name: 'Tiny 1B',
            totalParamsB: 1,
            activeParamsB: 1,
            layers: 16,
            kvHeads: 8,
            headDim: 64,
            maxContext: 8192,
            files: [{ quant: 'Q8_0', sizeGB: 1.1 }],
          },
        ],
      }),
    );
    const { code, stdout } = fitbot(['fit', 'tiny', 'q8_0', '2x lab box', '--catalog', file, '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.verdict).toBe('fits');
    expect(out.cost.perHourUsd).toBe(1);
  });

  it('GIVEN a bad catalog THEN exit 64 naming every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitbot-cat-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ hardware: [{ id: 'x', kind: 'tpu', memoryGB: -1 }] }));
    const { code, stderr } = fitbot(['fit', 'scout', 'q4', 'x', '--catalog', file]);
    expect(code).toBe(64);
    expect(stderr).toMatch(
      /hardware\[0\]\.name.*hardware\[0\]\.kind.*hardware\[0\]\.memoryGB.*hardware\[0\]\.bandwidthGBps/,
    );
  });

  it('GIVEN an unknown model THEN exit 64 with the closest match', () => {
    const { code, stderr } = fitbot(['fit', 'mavrick', 'q3', '2xh100']);
    expect(code).toBe(64);
    expect(stderr).toContain('did you mean maverick');
  });
});

describe('fitbot route (CLI)', () => {
  it('GIVEN a heavy prompt and --json THEN target maverick with a reason', () => {
    const { code, stdout } = fitbot([
      'route',
      'Prove by induction that the sum of the first n odd numbers is n^2, step by step, and answer only in valid JSON matching this schema',
      '--json',
    ]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.target).toBe('maverick');
    expect(out.reason).toMatch(/Maverick/);
  });

  it('GIVEN a light prompt THEN scout, as a line of text', () => {
    const { code, stdout } = fitbot(['route', 'what is the capital of France?']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^scout: /);
  });

  it('GIVEN no prompt THEN exit 64', () => {
    expect(fitbot(['route']).code).toBe(64);
  });
});

describe('console chat (npm start with no tokens)', () => {
  it('GIVEN commands on stdin THEN it answers each and exits at end of input', () => {
    const { code, stdout } = fitbot([], '/fit maverick q3 2xh100\n/fit scout q4 rtx4090\n/nope\n');
    expect(code).toBe(0);
    expect(stdout).toContain('UD-Q3_K_XL on 2× H100 SXM: does not fit');
    expect(stdout).toContain('fits only with weights in system RAM');
    expect(stdout).toContain("unknown command '/nope'");
  });

  it('GIVEN a bad environment THEN it names every bad variable and exits 78', () => {
    const { code, stderr } = fitbot([], '', { LOG_LEVEL: 'loud', ELECTRICITY_USD_PER_KWH: 'cheap' });
    expect(code).toBe(78);
    expect(stderr).toContain('LOG_LEVEL');
    expect(stderr).toContain('ELECTRICITY_USD_PER_KWH');
  });
});

describe('fitbot subcommands: help, bad input, settings', () => {
  it('GIVEN --help after any subcommand THEN the usage, exit 0, and nothing starts', () => {
    for (const args of [['start', '--help'], ['fit', '--help'], ['spend', '-h'], ['help']]) {
      const r = fitbot(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 0]);
      expect(r.stdout).toMatch(/^usage:/);
    }
  });

  it('GIVEN worker without scout or maverick THEN exit 64 saying which', () => {
    for (const args of [['worker'], ['worker', 'foo']]) {
      const r = fitbot(args);
      expect(r.code).toBe(64);
      expect(r.stderr).toMatch(/give scout or maverick/);
    }
  });

  it('GIVEN MAVERICK_* settings without a pod THEN simulate uses them', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'fitbot-sim-')), 'trace.jsonl');
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 16, 10, minute)).toISOString();
    writeFileSync(
      trace,
      [0, 5, 30]
        .map((m) =>
          JSON.stringify({
            at: at(m),
            team: 't',
            user: 'u',
            route: 'maverick',
            promptTokens: 100,
            completionTokens: 50,
          }),
        )
        .join('\n'),
    );
    const r = fitbot(['simulate', '--trace', trace, '--json'], undefined, {
      MAVERICK_POLICY: 'idle-stop-1m',
      MAVERICK_PRICE_PER_GPU_HOUR_USD: '1',
      MAVERICK_GPU_COUNT: '4',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"policy": "idle-stop-1m"/);
    expect(r.stdout).toMatch(/"pricePerHourUsd": 4\b/);
  });

  it('GIVEN a REDIS_URL with a password that does not parse THEN the error does not show it', () => {
    const r = fitbot(['fit', 'scout', 'q4', 'rtx4090'], undefined, { REDIS_URL: 'redis://:hunter2/x@redis:6379' });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/REDIS_URL must be a URL/);
    expect(r.stderr).not.toMatch(/hunter2/);
  });
});
