import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PodConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createRunPodApi } from '../../src/runpod/api.ts';
import { PodController, type PodControllerOptions, type QueueView } from '../../src/runpod/controller.ts';
import { PodStore } from '../../src/runpod/pod-store.ts';
import type { PodAction, Policy } from '../../src/runpod/policy.ts';
import { spendTotals } from '../../src/spend/ledger-entry.ts';
import { RedisLedger } from '../../src/spend/redis-ledger.ts';
import { FAKE_RUNPOD_KEY, startFakeRunPod } from '../fakes/runpod-server.ts';
import { deleteKeys, until } from '../redis-helpers.ts';

/**
 * The controller alone, against the fake RunPod API and a real Redis: the
 * policy is a switch the test flips, the queue a plain list, /health a flag.
 */

const PREFIX = `test-pod-controller-${process.pid}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const POD_ID = 'podctl1';
const LABEL = {
  model: 'Llama 4 Maverick',
  quant: 'Q2',
  hardware: '2× H100 SXM',
  gpuCount: 2,
  provider: 'runpod' as const,
};
/** Per GPU-hour: the fake bills the pod at 2 × 3.29 = 6.58 USD/h. */
const PRICE = 3.29;

const redis = new Redis(REDIS_URL);
let round = 0;
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});
afterAll(async () => {
  for (let r = 1; r <= round; r++) await deleteKeys(redis, `${PREFIX}-${r}`);
  redis.disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function world(seed: { running?: boolean } = {}) {
  round++;
  const prefix = `${PREFIX}-${round}`;
  const runpod = await startFakeRunPod({
    pods: [
      {
        id: POD_ID,
        gpuCount: 2,
        gpuTypeId: 'NVIDIA H100 80GB HBM3',
        costPerHr: 6.58,
        networkVolumeId: 'vol',
        ...(seed.running ? { desiredStatus: 'RUNNING' as const } : {}),
      },
    ],
    runtimeDelayMs: 20,
  });
  closers.push(() => runpod.close());
  const store = new PodStore(redis, prefix, POD_ID);
  const ledger = new RedisLedger(redis, prefix);
  const logs: string[] = [];
  const queue = {
    waiting: [] as { id: string; atMs: number }[],
    running: [] as { id: string; atMs: number; startedAtMs: number }[],
  };
  const queueView: QueueView = {
    waiting: async () => queue.waiting,
    running: async () => queue.running,
    rejectWaiting: async () => queue.waiting.splice(0).length,
  };
  const pod: PodConfig = {
    apiKey: FAKE_RUNPOD_KEY,
    podId: POD_ID,
    policy: 'manual',
    waitTargetSeconds: 600,
    coldStartSeconds: 1,
    windows: '',
    timeZone: 'UTC',
    pollMs: 50,
    healthTimeoutMs: 5000,
    maxPodHoursPerDay: 24,
    maxPodHoursPerWeek: 168,
  };
  /** A controller whose policy does what `action` says. */
  const controller = (control: { action: PodAction }, extra: Partial<PodControllerOptions> = {}): PodController => {
    const policy: Policy = {
      name: 'manual',
      observe() {},
      decide: () => ({ action: control.action, reason: `test: ${control.action}` }),
    };
    const made = new PodController({
      pod,
      api: createRunPodApi({ apiKey: FAKE_RUNPOD_KEY, baseUrl: runpod.url }),
      store,
      ledger,
      queue: queueView,
      policy,
      label: LABEL,
      pricePerGpuHourUsd: PRICE,
      baseUrl: `http://${POD_ID}-8080.proxy/v1`,
      setAccepting: async () => {},
      log: createLogger('debug', (line) => logs.push(line)),
      healthy: async () => true,
      ...extra,
    });
    closers.push(() => made.close({ stopPod: false }));
    return made;
  };
  /** What the ledger holds for these teams, USD. */
  const ledgerUsd = async (teams: string[]) => {
    let total = 0;
    for (const team of teams) total += spendTotals(await ledger.between(team, 0, Date.now() + 3_600_000)).totalUsd;
    return total;
  };
  const state = async () => (await store.status())?.state;
  /** A controller told to start, once its pod is ready; `control.action` then steers it. */
  const readyController = async () => {
    const control = { action: 'start' as PodAction };
    const made = controller(control);
    await made.start();
    await until(async () => (await state()) === 'ready');
    return { control, made };
  };
  return { prefix, runpod, store, ledger, logs, queue, controller, readyController, ledgerUsd, state };
}

/** An answer on the pod as the ask worker records it. */
function answerEntry(
  runId: string,
  team: string,
  jobId: string,
  startedAtMs: number,
  endedAtMs: number,
  costUsd: number,
) {
  return {
    ...LABEL,
    jobId,
    team,
    userId: `${team}-user`,
    userName: `${team}-user`,
    status: 'ok' as const,
    startedAtMs,
    endedAtMs,
    promptTokens: 10,
    completionTokens: 10,
    gpuSeconds: 1,
    costUsd,
    costBasis: 'test',
    route: 'maverick: test',
    podRun: runId,
  };
}

describe('the pod controller', () => {
  it('GIVEN a long early answer and a cheap late one THEN the team served last is the late one', async () => {
    const w = await world();
    const { control } = await w.readyController();
    control.action = 'keep';
    const runId = (await w.store.status())?.runId as string;
    const t = Date.now();
    await w.ledger.record(answerEntry(runId, 'team-early', 'early-long', t - 800, t - 300, 0.01));
    await w.ledger.record(answerEntry(runId, 'team-late', 'late-short', t - 100, t, 0.001));
    control.action = 'stop';
    await until(async () => (await w.state()) === 'stopped');
    expect(await w.store.lastTeam()).toBe('team-late');
  });

  it('GIVEN close() called before start() finished THEN start() leaves no timer behind', async () => {
    const w = await world();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const c = w.controller({ action: 'keep' });
    const started = c.start();
    await c.close({ stopPod: false });
    await started;
    // A lock-renewal interval left running would keep the process alive.
    expect(timers()).toBe(before);
  });

  it('GIVEN one stale "no such pod" answer for the running pod THEN its run goes on', async () => {
    const w = await world();
    const { control } = await w.readyController();
    control.action = 'keep';
    const runId = (await w.store.status())?.runId;
    w.runpod.failNext(1, 'not-found');
    await until(() => w.runpod.calls.some((call) => call.failure === 'not-found'));
    await sleep(200);
    expect(await w.store.status()).toMatchObject({ state: 'ready', runId });
    expect(await w.store.billedSecondsBetween(0, Date.now())).toBe(0);
  });

  it('GIVEN a run ended on "no such pod" and the pod then found running THEN the adopted run starts where the last one ended', async () => {
    const w = await world();
    const { control } = await w.readyController();
    control.action = 'keep';
    // Long enough for an uptime of 2 s: adopted from its uptime, the new run would overlap the settled one.
    await sleep(2100);
    w.runpod.failNext(2, 'not-found');
    await until(() => w.logs.some((line) => line.includes('adopting')));
    control.action = 'stop';
    await until(async () => (await w.state()) === 'stopped' && w.runpod.pod(POD_ID)?.desiredStatus === 'EXITED');
    const billed = w.runpod.totalBilledUsd();
    expect(Math.abs((await w.ledgerUsd(['unattributed'])) - billed)).toBeLessThan(billed * 0.05);
  });

  it('GIVEN the zero-GPU pod a recreate replaced WHEN its terminate fails THEN it is tried again until RunPod takes it', async () => {
    const w = await world();
    w.runpod.failNext(2, 'http-500', 'podTerminate');
    w.runpod.zeroGpusOnNextResume();
    const { control } = await w.readyController();
    control.action = 'keep';
    expect((await w.store.status())?.podId).not.toBe(POD_ID);
    await until(() => w.runpod.pod(POD_ID)?.desiredStatus === 'TERMINATED', 3000);
    expect(w.runpod.calls.filter((call) => call.operation === 'podTerminate')).toHaveLength(3);
  });

  it('GIVEN another controller took the lock while this one drained for a stop THEN this one neither stops the pod nor writes the state nor settles', async () => {
    const w = await world();
    const { control } = await w.readyController();
    w.queue.running = [{ id: 'j1', atMs: Date.now(), startedAtMs: Date.now() }];
    control.action = 'stop';
    await until(async () => (await w.state()) === 'stopping');
    // This controller stalled past its lock's expiry and another one holds the lock now.
    await redis.set(`${w.prefix}:pod:${POD_ID}:lock`, 'another-controller', 'PX', 60_000);
    await until(() => w.logs.some((line) => line.includes('lost its lock')), 3000);
    w.queue.running = [];
    await sleep(500);
    expect(w.runpod.calls.filter((call) => call.operation === 'podStop')).toHaveLength(0);
    expect(await w.store.status()).toMatchObject({ state: 'stopping' });
    expect((await w.store.status())?.stopRequestedAtMs).toBeUndefined();
    expect(await w.store.billedSecondsBetween(0, Date.now())).toBe(0);
  });

  it('GIVEN a shutdown whose drain outlasts the lock THEN the pod is still stopped (the lock is renewed until the stop)', async () => {
    const w = await world();
    const { control, made } = await w.readyController();
    control.action = 'keep';
    // An answer that outlives the drain; the lock lives 3 s at a 50-ms poll.
    w.queue.running = [{ id: 'j1', atMs: Date.now(), startedAtMs: Date.now() }];
    await made.close({ stopPod: true, drainMs: 4000 });
    expect(w.runpod.calls.filter((call) => call.operation === 'podStop')).toHaveLength(1);
    expect(await w.state()).toBe('stopped');
  }, 15_000);

  it('GIVEN a recreate whose answer is lost after RunPod created the pod THEN the controller finds it by name and takes it over, and no pod bills unseen', async () => {
    const w = await world();
    w.runpod.zeroGpusOnNextResume();
    w.runpod.failNext(1, 'done-then-500', 'podFindAndDeployOnDemand');
    const control = { action: 'start' as PodAction };
    const c = w.controller(control);
    await c.start();
    await until(() => w.runpod.calls.some((call) => call.failure === 'done-then-500'));
    control.action = 'keep';
    await until(async () => (await w.store.status())?.podId !== POD_ID && (await w.state()) === 'ready');
    const created = w.runpod.podIds().filter((id) => id !== POD_ID);
    expect(created).toHaveLength(1);
    expect((await w.store.status())?.podId).toBe(created[0]);
    expect(w.runpod.pod(POD_ID)?.desiredStatus).toBe('TERMINATED');
    control.action = 'stop';
    await until(async () => (await w.state()) === 'stopped');
    expect(w.runpod.podIds().filter((id) => w.runpod.pod(id)?.desiredStatus === 'RUNNING')).toEqual([]);
    const billed = w.runpod.totalBilledUsd();
    expect(Math.abs((await w.ledgerUsd(['unattributed'])) - billed)).toBeLessThan(0.005);
  });

  it('GIVEN a failed recreate left to look for by a controller that died THEN the next controller finds the pod and takes it over', async () => {
    const w = await world();
    const name = 'fitbot-podctl1-re-0123abcd';
    const runpod = await startFakeRunPod({
      pods: [
        { id: POD_ID, gpuCount: 2, gpuTypeId: 'NVIDIA H100 80GB HBM3', costPerHr: 6.58, networkVolumeId: 'vol' },
        {
          id: 'podnew1',
          name,
          gpuCount: 2,
          gpuTypeId: 'NVIDIA H100 80GB HBM3',
          costPerHr: 6.58,
          desiredStatus: 'RUNNING',
        },
      ],
    });
    closers.push(() => runpod.close());
    await w.store.addFailedRecreate(name, POD_ID, Date.now());
    const c = w.controller(
      { action: 'keep' },
      { api: createRunPodApi({ apiKey: FAKE_RUNPOD_KEY, baseUrl: runpod.url }) },
    );
    await c.start();
    await until(async () => (await w.store.status())?.podId === 'podnew1' && (await w.state()) === 'ready');
    expect(runpod.pod(POD_ID)?.desiredStatus).toBe('TERMINATED');
    expect(await w.store.failedRecreates()).toEqual([]);
  });
});
