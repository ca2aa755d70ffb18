import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AskRequest, FollowUp } from '../../src/command/command.ts';
import type { Reply } from '../../src/command/reply.ts';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Pipeline, startPipeline } from '../../src/pipeline.ts';
import { QUEUES, type ReplyJobData, replyJobId } from '../../src/queue/jobs.ts';
import { PodStore } from '../../src/runpod/pod-store.ts';
import { spendTotals } from '../../src/spend/ledger-entry.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.ts';
import { FAKE_RUNPOD_KEY, type FakePodSeed, type FakeRunPod, startFakeRunPod } from '../fakes/runpod-server.ts';
import { deferred, deleteKeys, until } from '../redis-helpers.ts';

const PREFIX = `test-pod-cycle-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The fake's model "loads" this long after the pod's container is up. */
const LOAD_MS = 300;
const POD: FakePodSeed = {
  id: 'pod1abc',
  gpuCount: 2,
  gpuTypeId: 'NVIDIA H100 80GB HBM3',
  costPerHr: 6.58,
  networkVolumeId: 'vol-maverick',
};

let redis: Redis;
let round = 0;
let current: { runpod: FakeRunPod; model: FakeOpenAI; pipeline?: Pipeline; prefix: string } | undefined;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (let r = 1; r <= round; r++) await deleteKeys(redis, `${PREFIX}-${r}`);
  redis.disconnect();
});
afterEach(async () => {
  await current?.pipeline?.close();
  await current?.model.close();
  await current?.runpod.close();
  current = undefined;
});

/** A fake RunPod whose pod serves a fake llama-server: 503 while loading after a resume, 200 once loaded, down when stopped. */
async function startWorld(
  env: Record<string, string> = {},
  seed: FakePodSeed = POD,
  before?: (store: PodStore) => Promise<void>,
) {
  const runpod = await startFakeRunPod({ pods: [seed], runtimeDelayMs: 50 });
  const model = await startFakeOpenAI();
  model.setHealthy(false);
  runpod.onChange((_id, status) => {
    model.setHealthy(false);
    if (status === 'RUNNING') setTimeout(() => runpod.podIds().length > 0 && model.setHealthy(true), LOAD_MS);
  });
  round++;
  const prefix = `${PREFIX}-${round}`;
  await before?.(new PodStore(redis, prefix, seed.id));
  const config = parseConfig({
    REDIS_URL,
    REDIS_PREFIX: prefix,
    MAVERICK_BASE_URL: model.url,
    MAVERICK_PRICE_PER_GPU_HOUR_USD: '3.29',
    RUNPOD_API_KEY: FAKE_RUNPOD_KEY,
    RUNPOD_POD_ID: seed.id,
    RUNPOD_API_URL: runpod.url,
    MAVERICK_POLICY: 'idle-stop-0.01m',
    MAVERICK_POD_POLL_MS: '50',
    MAVERICK_COLD_START_SECONDS: '1',
    MAVERICK_HEALTH_TIMEOUT_MS: '5000',
    ASK_BACKOFF_MS: '20',
    WORKER_LOCK_MS: '2000',
    ...env,
  });
  const pipeline = await startPipeline({
    config,
    catalog: BUILTIN_CATALOG,
    // The drills provoke errors on purpose (no volume, API down); the assertions check the outcomes.
    log: createLogger('error', () => {}),
    workers: ['maverick'],
    deliverOrphan: async () => {},
  });
  current = { runpod, model, pipeline, prefix };
  return {
    runpod,
    model,
    pipeline,
    prefix,
    store: new PodStore(redis, prefix, seed.id),
    ledger: new RedisLedger(redis, prefix),
  };
}

let counter = 0;
function request(team: string, userId: string, prompt = 'what is 2+2'): AskRequest {
  counter++;
  return {
    team,
    platform: 'console',
    interactionId: `pod-${counter}-${Date.now()}`,
    userId,
    userName: `user-${userId}`,
    prompt,
    target: 'maverick',
    routeReason: 'test',
  };
}

async function ask(pipeline: Pipeline, req: AskRequest): Promise<{ ack: string | undefined; reply: Promise<Reply> }> {
  const answer = deferred<Reply>();
  const followUp: FollowUp = async (reply) => answer.resolve(reply);
  const ack = await pipeline.ask?.submit(req, followUp);
  return { ack: ack?.note, reply: answer.promise };
}

/** Every team's ledger for today, summed. */
async function ledgerUsd(ledger: RedisLedger, teams: string[]): Promise<number> {
  let total = 0;
  for (const team of teams) total += spendTotals(await ledger.between(team, 0, Date.now() + 60_000)).totalUsd;
  return total;
}

describe('the Maverick pod: resume, health, answer, idle stop, and every billed second in the ledger', () => {
  it('GIVEN a stopped pod WHEN a Maverick job comes THEN the pod resumes, the answer waits for /health 200, and the pod stops after the idle period', async () => {
    const { runpod, pipeline, store, ledger } = await startWorld();
    const { ack, reply } = await ask(pipeline, request('team-a', 'u1'));
    expect(ack).toMatch(/pod stopped/);
    const answer = await reply;
    expect(answer.text).toBe('4');
    expect(answer.footer).toMatch(/Llama 4 Maverick .* on 2× H100 SXM \(RunPod\)/);
    expect(answer.footer).toMatch(/boot\/idle share est\. \$/);
    await until(
      async () => (await store.status())?.state === 'stopped' && runpod.pod(POD.id)?.desiredStatus === 'EXITED',
      8000,
    );
    const resumes = runpod.calls.filter((c) => c.operation === 'podResume');
    expect(resumes).toHaveLength(1);
    // The ledger holds exactly what RunPod billed: its own uptime counter × price, to the cent.
    const billed = runpod.totalBilledUsd();
    expect(billed).toBeGreaterThan(0);
    expect(Math.abs((await ledgerUsd(ledger, ['team-a'])) - billed)).toBeLessThan(0.005);
    const totals = spendTotals(await ledger.between('team-a', 0, Date.now() + 60_000));
    expect(totals.requests).toBe(1);
    expect(totals.idleUsd).toBeGreaterThan(0);
    expect(Math.abs(totals.gpuSeconds - runpod.totalBilledSeconds() * 2)).toBeLessThan(3);
  });

  it('GIVEN two teams in one run THEN each pays its busy time and a share of boot and idle, and the sum is the bill', async () => {
    const { runpod, pipeline, store, ledger } = await startWorld({ MAVERICK_POLICY: 'idle-stop-0.02m' });
    const a = await ask(pipeline, request('team-a', 'u1'));
    const b = await ask(pipeline, request('team-b', 'u2', 'write a haiku about GPUs'));
    await Promise.all([a.reply, b.reply]);
    await until(async () => (await store.status())?.state === 'stopped', 8000);
    const perTeam = await Promise.all(['team-a', 'team-b'].map((t) => ledgerUsd(ledger, [t])));
    expect(perTeam.every((usd) => usd > 0)).toBe(true);
    expect(Math.abs(perTeam.reduce((a, b) => a + b, 0) - runpod.totalBilledUsd())).toBeLessThan(0.005);
    // Team isolation: each team's ledger holds only its own user.
    const teamB = await ledger.between('team-b', 0, Date.now() + 60_000);
    expect(new Set(teamB.map((e) => e.userId))).toEqual(new Set(['u2']));
  });

  it('GIVEN a resume that comes back with zero GPUs THEN the pod is recreated on its network volume and the answer still comes', async () => {
    const { runpod, pipeline, store, ledger } = await startWorld();
    runpod.zeroGpusOnNextResume();
    const { reply } = await ask(pipeline, request('team-a', 'u1'));
    expect((await reply).text).toBe('4');
    await until(async () => (await store.status())?.state === 'stopped', 8000);
    const status = await store.status();
    expect(status?.podId).not.toBe(POD.id);
    expect(runpod.pod(status?.podId ?? '')?.gpuCount).toBe(2);
    expect(runpod.calls.some((c) => c.operation === 'podFindAndDeployOnDemand')).toBe(true);
    expect(Math.abs((await ledgerUsd(ledger, ['team-a'])) - runpod.totalBilledUsd())).toBeLessThan(0.005);
  });

  it('GIVEN zero GPUs and no network volume THEN the pod is stopped and the status says what to do', async () => {
    const { networkVolumeId: _none, ...noVolume } = POD;
    const { runpod, pipeline, store } = await startWorld({}, noVolume);
    runpod.zeroGpusOnNextResume();
    await ask(pipeline, request('team-a', 'u1'));
    await until(async () => {
      const status = await store.status();
      return status?.state === 'stopped' && /network volume/i.test(status.note ?? '');
    }, 8000);
    expect(runpod.pod(POD.id)?.desiredStatus).toBe('EXITED');
    // No start is tried again for a while: the team has to attach a volume first.
    expect((await store.status())?.coolDownUntilMs).toBeGreaterThan(Date.now());
  });

  it('GIVEN a pod already running that no run accounts for THEN the controller adopts it and the policy stops it, charged to the last team', async () => {
    const { runpod, model, store, ledger } = await startWorld({}, { ...POD, desiredStatus: 'RUNNING' });
    model.setHealthy(true); // the model on the forgotten pod is loaded
    await until(
      async () => runpod.pod(POD.id)?.desiredStatus === 'EXITED' && (await store.status())?.state === 'stopped',
      8000,
    );
    const unattributed = await ledgerUsd(ledger, ['unattributed']);
    expect(unattributed).toBeGreaterThan(0);
    // The adopted run is billed from the pod's reported uptime, so the ledger covers at least what RunPod billed.
    expect(unattributed).toBeGreaterThanOrEqual(runpod.totalBilledUsd() - 0.005);
  });

  it('GIVEN a controller that died between deciding to stop and stopping THEN the next one finishes the stop and settles the run', async () => {
    const startedAtMs = Date.now() - 5000;
    // Written as the dead controller did, under its lock, which then lapses.
    const { runpod, store, ledger } = await startWorld({}, { ...POD, desiredStatus: 'RUNNING' }, async (s) => {
      await s.acquire('dead-controller', 100);
      await s.setStatusAsHolder('dead-controller', {
        state: 'stopping',
        sinceMs: Date.now() - 1000,
        podId: POD.id,
        baseUrl: 'http://127.0.0.1:9/v1',
        runId: 'interrupted-run',
        runStartedAtMs: startedAtMs,
        stopRequestedAtMs: Date.now() - 1000,
        note: 'idle 2 min, queue empty',
      });
    });
    await until(
      async () => (await store.status())?.state === 'stopped' && runpod.pod(POD.id)?.desiredStatus === 'EXITED',
    );
    // The run is charged from its recorded start (to the last team served; none here).
    const charged = await ledgerUsd(ledger, ['unattributed']);
    expect(charged).toBeGreaterThanOrEqual((5 * 6.58) / 3600 - 0.005);
  });

  it('GIVEN the RunPod API failing for a while THEN the controller keeps trying and the answer comes once', async () => {
    const { runpod, model, pipeline, store, ledger } = await startWorld();
    runpod.failFor(600, 'http-500');
    const { reply } = await ask(pipeline, request('team-a', 'u1'));
    expect((await reply).text).toBe('4');
    await until(async () => (await store.status())?.state === 'stopped', 8000);
    expect(model.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(1);
    expect(Math.abs((await ledgerUsd(ledger, ['team-a'])) - runpod.totalBilledUsd())).toBeLessThan(0.005);
  });

  it('GIVEN a job arriving while the pod stops THEN the pod starts again and answers it', async () => {
    const { runpod, pipeline, store } = await startWorld();
    await (await ask(pipeline, request('team-a', 'u1'))).reply;
    await until(
      async () => (await store.status())?.state === 'stopping' || runpod.calls.some((c) => c.operation === 'podStop'),
      8000,
    );
    const late = await ask(pipeline, request('team-a', 'u2'));
    expect((await late.reply).text).toBe('4');
    expect(runpod.calls.filter((c) => c.operation === 'podResume').length).toBe(2);
  });

  it('GIVEN an answer that finishes after its run was settled (shutdown drain passed) THEN it adds nothing and its receipt says so', async () => {
    // The shutdown drains for 1 s, then settles; the worker closes its connections 1 s after that.
    const { runpod, model, pipeline, store, ledger, prefix } = await startWorld({ SHUTDOWN_GRACE_MS: '1000' });
    // Ten words at 150 ms each: the answer ends between the two.
    model.behave({ kind: 'ok', tokenDelayMs: 150, answer: () => 'one two three four five six seven eight nine ten' });
    await ask(pipeline, request('team-a', 'u1'));
    await until(() => model.requests.some((r) => r.path.endsWith('/chat/completions')), 8000);
    await pipeline.close();
    if (current) current.pipeline = undefined; // closed: afterEach closes only the fakes
    await until(async () => (await ledger.between('team-a', 0, Date.now() + 60_000)).some((e) => !e.kind), 8000);
    expect((await store.status())?.state).toBe('stopped');
    const billed = runpod.totalBilledUsd();
    expect(Math.abs((await ledgerUsd(ledger, ['team-a', 'unattributed'])) - billed)).toBeLessThan(0.0005);
    const late = (await ledger.between('team-a', 0, Date.now() + 60_000)).find((e) => !e.kind);
    expect(late?.costUsd).toBe(0);
    // The reply job as BullMQ stores it: a hash at <prefix>:<queue>:<job id>.
    const data = await redis.hget(`${prefix}:${QUEUES.replies}:${replyJobId(late?.jobId ?? '')}`, 'data');
    const { outcome } = JSON.parse(data ?? '{}') as ReplyJobData;
    expect(outcome?.ok && outcome.receipt.costBasis).toMatch(/settled with the pod's run/);
  });
});
