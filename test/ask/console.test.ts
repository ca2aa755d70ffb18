import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-console-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;

let fake: FakeOpenAI;

/** `printf … | npm start`, asynchronously (the fake model server runs in this process). */
function fitbot(
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN], { env: { ...process.env, LOG_LEVEL: 'error', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
});

afterAll(async () => {
  await fake?.close();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

describe('console chat with the /ask pipeline', () => {
  it('GIVEN only REDIS_URL and SCOUT_BASE_URL THEN /ask answers through the queue with a receipt, then /spend, then exit', async () => {
    const { code, stdout } = await fitbot('/ask what is 2+2\n/spend\n', {
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: fake.url,
    });
    expect(code).toBe(0);
    const queued = stdout.indexOf('Queued on Scout');
    const answer = stdout.indexOf('\n4\n');
    const receipt = stdout.indexOf('Llama 4 Scout Q4_K_M on RTX 4090 (local)');
    const spend = stdout.indexOf('Spend, ');
    expect(queued).toBeGreaterThanOrEqual(0);
    expect(answer).toBeGreaterThan(queued);
    expect(receipt).toBeGreaterThan(answer);
    expect(spend).toBeGreaterThan(receipt);
    expect(stdout).toMatch(/1 answer, \d+ tokens in/);
  });

  it('GIVEN Redis unreachable THEN /ask says so at once and /fit still answers', async () => {
    const { code, stdout, stderr, ms } = await fitbot('/ask hello\n/fit scout q4 h100\n', {
      REDIS_URL: 'redis://127.0.0.1:1',
      SCOUT_BASE_URL: fake.url,
    });
    expect(code).toBe(0);
    expect(stderr).toContain('does not answer');
    expect(stdout).toMatch(/need Redis/);
    expect(stdout).toContain('Llama 4 Scout 17B-16E Q4_K_M on H100 SXM: fits');
    expect(ms).toBeLessThan(10_000);
  });

  it('GIVEN an empty or oversized prompt THEN a clear error, no job', async () => {
    const { stdout } = await fitbot(`/ask\n/ask model:scout\n/ask ${'x'.repeat(17_000)}\n`, {
      REDIS_URL,
      REDIS_PREFIX: PREFIX,
      SCOUT_BASE_URL: fake.url,
    });
    expect(stdout).toMatch(/prompt is missing/);
    expect(stdout).toMatch(/prompt is longer than 16000 characters/);
  });
});
