import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { createMetrics, jobCountsOf } from '../../src/ops/metrics.ts';
import {
  basicAuthMatches,
  type CheckResult,
  DEFAULT_CHECK_TIMEOUT_MS,
  type OpsServer,
  podCheck,
  redisCheck,
  startOpsServer,
  workersCheck,
} from '../../src/ops/server.ts';
import { deleteKeys } from '../redis-helpers.ts';

const PREFIX = `test-ops-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'correct horse battery staple';

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const scout = new Queue('scout', { connection: redis, prefix: PREFIX });
const replies = new Queue('replies', { connection: redis, prefix: PREFIX });
const worker = new Worker('replies', async () => 'done', { connection: redis.duplicate(), prefix: PREFIX });

const logLines: string[] = [];
const log = createLogger('debug', (line) => logLines.push(line));

/** What the fake checks answer; set per test. */
let redisBehaviour: 'ok' | 'fail' | 'hang' = 'ok';
const never = new Promise<CheckResult>(() => {});

const metrics = createMetrics({ maxTeams: 2 });
let podState: string | undefined = 'ready';
let open: OpsServer;
let closed: OpsServer;

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

beforeAll(async () => {
  await scout.add('ask', { team: 'T1', prompt: 'the secret launch plan', target: 'scout' }, { jobId: 'ask-console-1' });
  metrics.setQueueCounts(jobCountsOf([scout, replies]));
  metrics.setPodState(async () => podState);
  open = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry: metrics.registry,
    checks: {
      redis: async () => {
        if (redisBehaviour === 'fail') throw new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379');
        if (redisBehaviour === 'hang') return never;
        return { ok: true, latencyMs: 1 };
      },
      workers: workersCheck([worker]),
      pod: podCheck(async () => ({ state: 'ready', sinceMs: Date.now() - 5000 }), { stuckAfterMs: 60_000 }),
    },
    log,
  });
  closed = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    password: PASSWORD,
    registry: metrics.registry,
    checks: { redis: redisCheck(redis), workers: workersCheck([worker]) },
    queues: [scout, replies],
    log,
  });
});

afterAll(async () => {
  await open?.close();
  await closed?.close();
  await worker.close();
  await scout.close();
  await replies.close();
  await deleteKeys(redis, PREFIX);
  redis.disconnect();
});

describe('GET /healthz', () => {
  it('GIVEN every check passes THEN 200 with each check’s details', async () => {
    redisBehaviour = 'ok';
    const res = await fetch(`${open.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: {
        redis: { ok: true, latencyMs: 1 },
        workers: { ok: true, replies: 'running' },
        pod: { ok: true, state: 'ready', inStateSeconds: 5 },
      },
    });
  });

  it('GIVEN real Redis and a real BullMQ worker THEN the ready-made checks pass', async () => {
    const res = await fetch(`${closed.url}/healthz`);
    const body = (await res.json()) as { checks: Record<string, CheckResult> };
    expect(res.status).toBe(200);
    expect(body.checks.redis).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(body.checks.workers).toEqual({ ok: true, replies: 'running' });
  });

  it('GIVEN Redis failing THEN 503 naming redis, with the error and no credentials in it', async () => {
    redisBehaviour = 'fail';
    const res = await fetch(`${open.url}/healthz`);
    const text = await res.text();
    expect(res.status).toBe(503);
    const body = JSON.parse(text);
    expect(body).toMatchObject({
      status: 'fail',
      failing: ['redis'],
      checks: { redis: { ok: false }, workers: { ok: true } },
    });
    expect(body.checks.redis.error).toContain('ECONNREFUSED');
    expect(text).not.toContain('hunter2');
  });

  it('GIVEN Redis hanging THEN 503 within about 2 s, and a second probe does not pile up another check', async () => {
    redisBehaviour = 'hang';
    const startedAtMs = Date.now();
    const [first, second] = await Promise.all([fetch(`${open.url}/healthz`), fetch(`${open.url}/healthz`)]);
    const elapsedMs = Date.now() - startedAtMs;
    expect(first.status).toBe(503);
    expect(second.status).toBe(503);
    expect(elapsedMs).toBeGreaterThanOrEqual(DEFAULT_CHECK_TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(2500);
    expect(await first.json()).toMatchObject({
      status: 'fail',
      failing: ['redis'],
      checks: { redis: { ok: false, error: `no answer within ${DEFAULT_CHECK_TIMEOUT_MS} ms` } },
    });
    redisBehaviour = 'ok';
  });
});

describe('health check helpers', () => {
  it('GIVEN a pod booting longer than stuckAfterMs THEN not ok; stopped for days THEN ok', async () => {
    const now = () => 10_000_000;
    const stuck = podCheck(async () => ({ state: 'booting', sinceMs: 0 }), { stuckAfterMs: 60_000, now });
    expect(await stuck()).toMatchObject({ ok: false, state: 'booting', error: 'booting for 10000 s' });
    const stopped = podCheck(async () => ({ state: 'stopped', sinceMs: 0, capped: 'daily cap' }), {
      stuckAfterMs: 60_000,
      now,
    });
    expect(await stopped()).toEqual({ ok: true, state: 'stopped', inStateSeconds: 10_000, capped: 'daily cap' });
    expect(await podCheck(async () => undefined, { stuckAfterMs: 1 })()).toEqual({ ok: true, state: 'unknown' });
  });

  it('GIVEN a stopped worker THEN not ok, unless its queue may be stopped (the pod-gated Maverick worker)', async () => {
    const stopped = { name: 'maverick', isRunning: () => false, isPaused: () => false };
    const paused = { name: 'scout', isRunning: () => false, isPaused: () => true };
    expect(await workersCheck([stopped, paused])()).toEqual({ ok: false, maverick: 'stopped', scout: 'paused' });
    expect(await workersCheck([stopped, paused], ['maverick'])()).toMatchObject({ ok: true });
  });

  it.each([
    [undefined, false],
    ['Bearer abc', false],
    [`Basic ${Buffer.from(`:${PASSWORD}`).toString('base64')}`, true],
    [`Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`, true],
    [`basic ${Buffer.from(`a:b:${PASSWORD}`).toString('base64')}`, false],
    [`Basic ${Buffer.from(`ops:${PASSWORD}x`).toString('base64')}`, false],
    [`Basic ${Buffer.from(PASSWORD).toString('base64')}`, false],
    ['Basic !!!', false],
  ])('GIVEN Authorization %j THEN the password matches: %s', (header, expected) => {
    expect(basicAuthMatches(header, PASSWORD)).toBe(expected);
  });
});

describe('GET /metrics', () => {
  it('GIVEN observations THEN the Prometheus text has fitbot_ names and the observed values', async () => {
    metrics.observeQueueWait('scout', 1.5);
    metrics.observeJob('scout', 'completed', 2.25);
    metrics.addTokens('scout', 'prompt', 42);
    metrics.addTokens('scout', 'completion', 7);
    metrics.addSpend('T1', 'scout', 0.25);
    metrics.addSpend('T1', 'scout', 0.5);
    metrics.addSpend('T2', 'maverick', 1);
    metrics.addSpend('T3', 'maverick', 2); // past maxTeams: folded into `other`
    metrics.addSpend('T1', 'scout', -1); // ignored: a counter never goes down
    metrics.addPodBilledSeconds(90);
    metrics.observeAck('discord', 0.12);
    podState = 'booting';

    const res = await fetch(`${open.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const expected = [
      'fitbot_queue_jobs{queue="scout",state="waiting"} 1',
      'fitbot_queue_jobs{queue="replies",state="active"} 0',
      'fitbot_queue_wait_seconds_count{queue="scout"} 1',
      'fitbot_queue_wait_seconds_sum{queue="scout"} 1.5',
      'fitbot_queue_wait_seconds_bucket{le="2.5",queue="scout"} 1',
      'fitbot_job_duration_seconds_sum{queue="scout",outcome="completed"} 2.25',
      'fitbot_tokens_total{queue="scout",direction="prompt"} 42',
      'fitbot_tokens_total{queue="scout",direction="completion"} 7',
      'fitbot_spend_usd_total{team="T1",model="scout"} 0.75',
      'fitbot_spend_usd_total{team="T2",model="maverick"} 1',
      'fitbot_spend_usd_total{team="other",model="maverick"} 2',
      'fitbot_pod_state{state="booting"} 1',
      'fitbot_pod_state{state="ready"} 0',
      'fitbot_pod_billed_seconds_total 90',
      'fitbot_ack_latency_seconds_count{platform="discord"} 1',
    ];
    for (const line of expected) expect(text).toContain(line);
    expect(text).toMatch(/^fitbot_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^fitbot_nodejs_eventloop_lag_seconds /m);
    // Every sample is ours: nothing unprefixed, no prompt text in a label.
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples.filter((l) => !l.startsWith('fitbot_'))).toEqual([]);
    expect(text).not.toContain('secret launch plan');
  });

  it('GIVEN a scrape source that hangs THEN /metrics still answers, without those series, and counts the error', async () => {
    const slow = createMetrics({ collectTimeoutMs: 100, defaultMetrics: false, podState: () => new Promise(() => {}) });
    const text = await slow.registry.metrics();
    expect(text).not.toContain('fitbot_pod_state{');
    expect(text).toContain('fitbot_metrics_collect_errors_total{source="pod_state"} 1');
  });
});

describe('/queues dashboard', () => {
  it('GIVEN no OPS_PASSWORD THEN nothing is served under /queues (404) and the rest still works', async () => {
    for (const path of ['/queues', '/queues/', '/queues/api/queues', '/queues/static/favicon-32x32.png']) {
      const res = await fetch(`${open.url}${path}`, { headers: basic('ops', PASSWORD) });
      expect(res.status, path).toBe(404);
    }
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
  });

  it('GIVEN no or a wrong password THEN 401 with a Basic challenge, for the page, the API and static files', async () => {
    for (const path of ['/queues', '/queues/api/queues', '/queues/static/favicon-32x32.png', '/queues/nope']) {
      const anonymous = await fetch(`${closed.url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = await fetch(`${closed.url}${path}`, { headers: basic('ops', 'not it') });
      expect(wrong.status, path).toBe(401);
    }
    const put = await fetch(`${closed.url}/queues/api/queues/scout/pause`, { method: 'PUT' });
    expect(put.status).toBe(401);
  });

  it('GIVEN the right password (any user) THEN the dashboard and its API answer, read-only, without prompts', async () => {
    const page = await fetch(`${closed.url}/queues`, { headers: basic('anyone', PASSWORD) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>fitbot queues</title>');

    const api = await fetch(`${closed.url}/queues/api/queues?activeQueue=scout&status=waiting&page=1`, {
      headers: basic('', PASSWORD),
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; jobs: unknown[] }[] };
    const queue = body.queues.find((q) => q.name === 'scout');
    expect(queue).toMatchObject({ readOnlyMode: true, allowRetries: false, counts: { waiting: 1 } });
    expect(queue?.jobs[0]).toMatchObject({ id: 'ask-console-1', data: { team: 'T1', target: 'scout' } });
    expect(JSON.stringify(body)).not.toContain('secret launch plan');
  });

  it('GIVEN an authenticated write (pause, retry, clean, add) THEN it is refused and the queue is untouched', async () => {
    const writes: [string, string][] = [
      ['PUT', '/queues/api/queues/scout/pause'],
      ['PUT', '/queues/api/queues/scout/empty'],
      ['PUT', '/queues/api/queues/pause'],
      ['POST', '/queues/api/queues/scout/add'],
      ['PUT', '/queues/api/queues/scout/ask-console-1/clean'],
    ];
    for (const [method, path] of writes) {
      const res = await fetch(`${closed.url}${path}`, {
        method,
        headers: { ...basic('ops', PASSWORD), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status, `${method} ${path}`).toBe(405);
    }
    expect(await scout.isPaused()).toBe(false);
    expect(await scout.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('GIVEN all of the above THEN no log line holds the password or the prompt', () => {
    const text = logLines.join('');
    expect(logLines.some((l) => l.includes('ops server listening'))).toBe(true);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(`ops:${PASSWORD}`).toString('base64'));
    expect(text).not.toContain('secret launch plan');
  });
});

describe('startOpsServer', () => {
  it('GIVEN a port already taken THEN it rejects instead of running without its endpoints', async () => {
    const taken = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: metrics.registry,
      checks: {
        redis: async () => ({ ok: true }),
        workers: async () => ({ ok: true }),
      },
    });
    await expect(
      startOpsServer({
        port: taken.port,
        host: '127.0.0.1',
        registry: metrics.registry,
        checks: { redis: async () => ({ ok: true }), workers: async () => ({ ok: true }) },
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    await taken.close();
  });
});
