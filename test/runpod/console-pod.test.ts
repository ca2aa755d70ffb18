import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { FAKE_RUNPOD_KEY, type FakeRunPod, startFakeRunPod } from '../fakes/runpod-server.ts';
import { deleteKeys, until } from '../redis-helpers.ts';

const PREFIX = `test-console-pod-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = new URL('../../bin/fitbot.js', import.meta.url).pathname;
const POD_ID = 'podconsole1';

let runpod: FakeRunPod;
let model: FakeOpenAI;
let env: Record<string, string>;

beforeAll(async () => {
  runpod = await startFakeRunPod({
    pods: [{ id: POD_ID, gpuCount: 2, gpuTypeId: 'NVIDIA H100 80GB HBM3', costPerHr: 6.58, networkVolumeId: 'vol1' }],
    runtimeDelayMs: 100,
  });
  model = await startFakeOpenAI();
  model.setHealthy(false);
  runpod.onChange((_id, status) => {
    model.setHealthy(false);
    if (status === 'RUNNING') setTimeout(() => model.setHealthy(true), 500);
  });
  env = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'error',
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    MAVERICK_BASE_URL: model.url,
    MAVERICK_PRICE_PER_GPU_HOUR_USD: '3.29',
    RUNPOD_API_KEY: FAKE_RUNPOD_KEY,
    RUNPOD_POD_ID: POD_ID,
    RUNPOD_API_URL: runpod.url,
    MAVERICK_POLICY: 'idle-stop-0.02m',
    MAVERICK_POD_POLL_MS: '15000', // the default: a job wakes the controller, the policy's timer stops the pod
  };
});

afterAll(async () => {
  await runpod?.close();
  await model?.close();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

function collect(child: ChildProcessWithoutNullStreams) {
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr.on('data', (d) => {
    out.stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { out, exited };
}

describe('the console chat with Maverick on a pod (the contract in .env.example)', () => {
  it('GIVEN idle-stop WHEN one /ask model:maverick is piped in THEN the pod resumes, answers, stops, and `fitbot spend` shows billed GPU-hours = uptime × GPUs', async () => {
    const chat = spawn(process.execPath, [BIN], { env });
    const { out, exited } = collect(chat);
    chat.stdin.write('/ask model:maverick what is 2+2\n');
    await until(() => out.stdout.includes('Llama 4 Maverick'), 20_000);
    expect(out.stdout).toMatch(/pod stopped: starting it/);
    expect(out.stdout).toMatch(/\n4\n/);
    // The policy stops the pod after its idle period, while the chat is still open.
    await until(() => runpod.pod(POD_ID)?.desiredStatus === 'EXITED', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    chat.stdin.end();
    expect(await exited).toBe(0);

    const spend = spawn(process.execPath, [BIN, 'spend', '--team', 'console', '--json'], { env });
    const report = collect(spend);
    expect(await report.exited).toBe(0);
    const json = JSON.parse(report.out.stdout);
    expect(json).toMatchObject({ team: 'console', requests: 1 });
    const billedGpuHours = (runpod.totalBilledSeconds() * 2) / 3600;
    expect(Math.abs(json.billedGpuHours - billedGpuHours)).toBeLessThan(0.5 / 3600);
    expect(Math.abs(json.totalUsd - runpod.totalBilledUsd())).toBeLessThan(0.005);
    expect(json.busyGpuHours).toBeLessThan(json.billedGpuHours);
    expect(json.idleUsd).toBeGreaterThan(0);
    expect(json.byUser[0].share).toBeCloseTo(1, 9);
  }, 40_000);
});
