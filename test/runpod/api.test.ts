import { afterEach, describe, expect, it } from 'vitest';
import {
  createRunPodApi,
  dataOf,
  deployInputOf,
  type PodInfo,
  podInfoOf,
  type RunPodApi,
  RunPodError,
  type RunPodErrorCode,
} from '../../src/runpod/api.ts';
import {
  type FakePodSeed,
  type FakePodStatus,
  type FakeRunPod,
  type FakeRunPodOptions,
  NO_FREE_GPUS_MESSAGE,
  NO_INSTANCES_MESSAGE,
  SOMETHING_WENT_WRONG_MESSAGE,
  startFakeRunPod,
} from '../fakes/runpod-server.ts';

const H100 = 'NVIDIA H100 80GB HBM3';
const BOOT_MS = 120_000;
const SEED: FakePodSeed = {
  id: 'maverick0000001',
  gpuCount: 2,
  gpuTypeId: H100,
  costPerHr: 6.58,
  networkVolumeId: 'vol-models',
  dataCenterId: 'EU-RO-1',
  env: { LLAMA_ARG_MODEL: '/workspace/maverick-q3.gguf', HF_TOKEN: 'hf_secret' },
  ports: '8080/http,22/tcp',
};

let fake: FakeRunPod | undefined;
/** The fake's clock, ms: tests move it by hand, so minutes of pod time take no real time. */
let clockMs = 0;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setUp(options: Partial<FakeRunPodOptions> = {}, clientTimeoutMs = 2_000) {
  clockMs = 0;
  const started = await startFakeRunPod({ pods: [SEED], runtimeDelayMs: BOOT_MS, now: () => clockMs, ...options });
  fake = started;
  const api = createRunPodApi({ apiKey: started.apiKey, baseUrl: started.url, timeoutMs: clientTimeoutMs });
  return { fake: started, api };
}

async function failureOf(promise: Promise<unknown>): Promise<RunPodError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunPodError);
  return error as RunPodError;
}

async function mustGet(api: RunPodApi, id: string): Promise<PodInfo> {
  const pod = await api.getPod(id);
  if (!pod) throw new Error(`pod ${id} missing`);
  return pod;
}

describe('RunPod client against the fake: pod lifecycle', () => {
  it('GIVEN a stopped pod WHEN resumed, booted and stopped THEN status, runtime, uptime and billing follow', async () => {
    const { fake, api } = await setUp();
    const changes: [string, FakePodStatus][] = [];
    fake.onChange((id, status) => changes.push([id, status]));

    const stopped = await mustGet(api, SEED.id);
    expect(stopped).toMatchObject({
      id: SEED.id,
      desiredStatus: 'EXITED',
      costPerHr: 6.58,
      gpuCount: 2,
      gpuTypeId: H100,
      cloudType: 'SECURE',
      networkVolumeId: 'vol-models',
      dataCenterId: 'EU-RO-1',
      ports: '8080/http,22/tcp',
      env: SEED.env,
    });
    expect(stopped.runtime).toBeUndefined();

    const resumed = await api.resumePod(SEED.id, 2);
    expect(resumed.desiredStatus).toBe('RUNNING');
    expect(resumed.runtime).toBeUndefined();

    clockMs += BOOT_MS - 1;
    expect((await mustGet(api, SEED.id)).runtime).toBeUndefined();
    clockMs += 1;
    expect((await mustGet(api, SEED.id)).runtime).toEqual({
      uptimeSeconds: 0,
      gpuCount: 2,
      ports: [
        { ip: '100.64.0.2', isIpPublic: false, privatePort: 8080, publicPort: 8080, type: 'http' },
        { ip: '203.0.113.10', isIpPublic: true, privatePort: 22, publicPort: 40_022, type: 'tcp' },
      ],
    });
    clockMs += 61_500;
    expect((await mustGet(api, SEED.id)).runtime?.uptimeSeconds).toBe(61);

    await api.stopPod(SEED.id);
    const after = await mustGet(api, SEED.id);
    expect(after.desiredStatus).toBe('EXITED');
    expect(after.runtime).toBeUndefined();
    clockMs += 3_600_000;
    expect(fake.billedSeconds(SEED.id)).toBeCloseTo(181.5, 6);

    expect(changes).toEqual([
      [SEED.id, 'RUNNING'],
      [SEED.id, 'EXITED'],
    ]);
    expect(fake.calls.map((c) => c.operation)).toEqual(['pod', 'podResume', 'pod', 'pod', 'pod', 'podStop', 'pod']);
    // The key went as a Bearer header and as RunPod's documented `api_key` query parameter.
    expect(fake.calls.every((c) => c.path.startsWith('/graphql?api_key=') && !c.unauthorized)).toBe(true);
  });

  it('GIVEN two runs THEN billed seconds add up, fractional, and the dollar total follows costPerHr', async () => {
    const { fake, api } = await setUp({ runtimeDelayMs: 0 });
    await api.resumePod(SEED.id, 2);
    clockMs += 10_000;
    await api.stopPod(SEED.id);
    clockMs += 50_000;
    await api.resumePod(SEED.id, 2);
    clockMs += 5_250;
    await api.stopPod(SEED.id);

    expect(fake.billedSeconds(SEED.id)).toBeCloseTo(15.25, 6);
    expect(fake.totalBilledUsd()).toBeCloseTo((15.25 / 3600) * 6.58, 9);
  });

  it('GIVEN the machine lost its GPUs WHEN resumed THEN the pod reports zero GPUs, configured and in runtime', async () => {
    const { fake, api } = await setUp();
    fake.zeroGpusOnNextResume();

    const resumed = await api.resumePod(SEED.id, 2);
    expect(resumed).toMatchObject({ desiredStatus: 'RUNNING', gpuCount: 0 });
    clockMs += BOOT_MS;
    const up = await mustGet(api, SEED.id);
    expect(up.gpuCount).toBe(0);
    expect(up.runtime?.gpuCount).toBe(0);

    // Only the next resume: after a stop, the GPUs are back.
    await api.stopPod(SEED.id);
    await api.resumePod(SEED.id, 2);
    clockMs += BOOT_MS;
    expect((await mustGet(api, SEED.id)).runtime?.gpuCount).toBe(2);
  });

  it('GIVEN a pod on a network volume WHEN recreated THEN a new id on the same volume, running, with the same setup', async () => {
    const { fake, api } = await setUp();
    fake.zeroGpusOnNextResume();
    await api.resumePod(SEED.id, 2);
    const broken = await mustGet(api, SEED.id);

    // A zero-GPU pod reports gpuCount 0: recreating it needs the configured count.
    expect(() => deployInputOf(broken)).toThrow(RangeError);

    const fresh = await api.recreatePod(broken, { gpuCount: 2 });
    expect(fresh.id).not.toBe(SEED.id);
    expect(fresh).toMatchObject({
      desiredStatus: 'RUNNING',
      networkVolumeId: 'vol-models',
      dataCenterId: 'EU-RO-1',
      gpuCount: 2,
      gpuTypeId: H100,
      imageName: broken.imageName,
      ports: broken.ports,
      env: SEED.env,
      costPerHr: 6.58,
      cloudType: 'SECURE',
    });
    expect(fake.calls.at(-1)?.input).toMatchObject({
      networkVolumeId: 'vol-models',
      dataCenterId: 'EU-RO-1',
      cloudType: 'SECURE',
      gpuCount: 2,
      volumeMountPath: '/workspace',
      env: [
        { key: 'LLAMA_ARG_MODEL', value: '/workspace/maverick-q3.gguf' },
        { key: 'HF_TOKEN', value: 'hf_secret' },
      ],
    });
    // The old pod is left as it was: stopping or terminating it is the caller's call.
    expect(fake.pod(SEED.id)?.desiredStatus).toBe('RUNNING');
    expect(fake.podIds()).toEqual([SEED.id, fresh.id]);

    clockMs += 30_000;
    await api.terminatePod(SEED.id);
    clockMs += 30_000;
    expect(fake.billedSeconds(SEED.id)).toBeCloseTo(30, 6);
    expect(fake.totalBilledSeconds()).toBeCloseTo(90, 6);
  });

  it('GIVEN a pod without a network volume WHEN recreated THEN no-network-volume, and nothing is deployed', async () => {
    const { fake, api } = await setUp({
      pods: [{ id: 'novolume000001', gpuCount: 1, gpuTypeId: H100, costPerHr: 3.29 }],
    });
    const pod = await mustGet(api, 'novolume000001');

    const error = await failureOf(api.recreatePod(pod));
    expect(error).toMatchObject({ code: 'no-network-volume', retryable: false });
    expect(error.message).toMatch(/novolume000001 has no network volume/);
    expect(fake.calls.map((c) => c.operation)).toEqual(['pod']);
  });

  it('GIVEN a terminated or unknown pod THEN getPod is undefined and terminating again resolves', async () => {
    const { fake, api } = await setUp();
    await api.terminatePod(SEED.id);
    expect(await api.getPod(SEED.id)).toBeUndefined();
    expect(await api.getPod('nosuchpod00001')).toBeUndefined();
    await api.terminatePod(SEED.id);
    expect(fake.pod(SEED.id)?.desiredStatus).toBe('TERMINATED');
    expect(fake.podIds()).toEqual([]);
    await expect(failureOf(api.resumePod(SEED.id, 2))).resolves.toMatchObject({ code: 'not-found', retryable: false });
  });
});

describe('RunPod client against the fake: failures', () => {
  it('GIVEN a wrong key THEN unauthorized, not retryable, and neither key appears in the message', async () => {
    const { fake } = await setUp();
    const wrongKey = 'rp_wrong_key_987654321';
    const api = createRunPodApi({ apiKey: wrongKey, baseUrl: `${fake.url}/`, timeoutMs: 2_000 });

    const error = await failureOf(api.getPod(SEED.id));
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(error.message).not.toContain(wrongKey);
    expect(error.message).not.toContain(fake.apiKey);
    expect(fake.calls[0]?.unauthorized).toBe(true);
  });

  it.each<[string, RunPodErrorCode, Parameters<FakeRunPod['failNext']>[1], number | undefined]>([
    ['HTTP 500', 'server', 'http-500', 500],
    ['HTTP 429', 'rate-limited', 'http-429', 429],
    ['"not enough free GPUs" (HTTP 200, errors)', 'no-gpus-available', 'no-gpus', 200],
    ['"Something went wrong" (HTTP 200, errors)', 'server', 'graphql-error', 200],
    ['a connection reset', 'network', 'reset', undefined],
  ])('GIVEN %s on resume THEN %s, retryable', async (_name, code, kind, status) => {
    const { fake, api } = await setUp();
    fake.failNext(1, kind);

    const error = await failureOf(api.resumePod(SEED.id, 2));
    expect(error).toMatchObject({ code, retryable: true, status });
    expect(error.message).toMatch(/^RunPod podResume: /);
    expect(error.message).not.toContain(fake.apiKey);
    // The failure was the fake's, not the pod's: the next call goes through.
    expect((await api.resumePod(SEED.id, 2)).desiredStatus).toBe('RUNNING');
  });

  it('GIVEN RunPod words THEN the message carries them and 429 carries Retry-After', async () => {
    const { fake, api } = await setUp();
    fake.failNext(1, 'no-gpus');
    fake.failNext(1, 'http-429');
    fake.failNext(1, 'graphql-error');
    const pod = await failureOf(api.resumePod(SEED.id, 2));
    expect(pod.message).toBe(`RunPod podResume: ${NO_FREE_GPUS_MESSAGE}`);
    expect(await failureOf(api.getPod(SEED.id))).toMatchObject({ retryAfterMs: 2_000 });
    expect((await failureOf(api.stopPod(SEED.id))).message).toBe(`RunPod podStop: ${SOMETHING_WENT_WRONG_MESSAGE}`);
  });

  it('GIVEN no instances left WHEN recreating THEN no-gpus-available with RunPod deploy wording', async () => {
    const { fake, api } = await setUp();
    const pod = await mustGet(api, SEED.id);
    fake.failNext(1, 'no-gpus');
    const error = await failureOf(api.recreatePod(pod));
    expect(error).toMatchObject({ code: 'no-gpus-available', retryable: true });
    expect(error.message).toContain(NO_INSTANCES_MESSAGE);
  });

  it('GIVEN no answer WHEN the timeout passes THEN timeout, retryable', async () => {
    const { fake, api } = await setUp({}, 150);
    fake.failNext(1, 'hang');
    const startedMs = performance.now();
    const error = await failureOf(api.getPod(SEED.id));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toBe('RunPod pod: no answer within 150 ms');
    expect(performance.now() - startedMs).toBeLessThan(1_500);
  });

  it('GIVEN the API down for ten minutes THEN every call fails until then, and works after', async () => {
    const { fake, api } = await setUp();
    fake.failFor(10 * 60_000, 'http-500');
    for (const minute of [0, 3, 9]) {
      clockMs = minute * 60_000;
      expect((await failureOf(api.getPod(SEED.id))).code).toBe('server');
    }
    clockMs = 10 * 60_000;
    expect((await mustGet(api, SEED.id)).desiredStatus).toBe('EXITED');
    expect(fake.calls.filter((c) => c.failure === 'http-500')).toHaveLength(3);
  });

  it('GIVEN nothing listening THEN network, retryable', async () => {
    const { fake } = await setUp();
    const url = fake.url;
    await fake.close();
    const api = createRunPodApi({ apiKey: 'k', baseUrl: url, timeoutMs: 1_000 });
    expect(await failureOf(api.getPod(SEED.id))).toMatchObject({ code: 'network', retryable: true });
  });
});

describe('the fake REST v1 surface shares the pods', () => {
  async function rest(fake: FakeRunPod, method: string, path: string, key = fake.apiKey) {
    const response = await fetch(`${fake.restUrl}${path}`, {
      method,
      headers: key === '' ? {} : { Authorization: `Bearer ${key}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('GIVEN REST start and stop THEN GraphQL sees the same pod, and REST speaks REST shapes', async () => {
    const { fake, api } = await setUp({ runtimeDelayMs: 0 });

    const got = await rest(fake, 'GET', `/pods/${SEED.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: SEED.id,
      desiredStatus: 'EXITED',
      image: expect.any(String),
      costPerHr: '6.58',
      gpu: { id: H100, count: 2 },
      ports: ['8080/http', '22/tcp'],
      env: SEED.env,
      networkVolumeId: 'vol-models',
    });
    expect(got.body).not.toHaveProperty('runtime');

    expect((await rest(fake, 'POST', `/pods/${SEED.id}/start`)).body.desiredStatus).toBe('RUNNING');
    expect((await mustGet(api, SEED.id)).runtime?.gpuCount).toBe(2);
    expect((await rest(fake, 'POST', `/pods/${SEED.id}/stop`)).body.desiredStatus).toBe('EXITED');
    expect((await mustGet(api, SEED.id)).desiredStatus).toBe('EXITED');

    expect((await rest(fake, 'GET', `/pods/${SEED.id}`, '')).status).toBe(401);
    expect((await rest(fake, 'GET', '/pods/nosuchpod00001')).status).toBe(404);
    expect(fake.calls.map((c) => c.operation)).toContain('POST /v1/pods/{id}/start');
  });

  it('GIVEN the documented ?api_key= form on GraphQL THEN the fake accepts it too', async () => {
    const { fake } = await setUp();
    const response = await fetch(`${fake.url}/graphql?api_key=${fake.apiKey}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        query: 'query Pod($input: PodFilter!) { pod(input: $input) { id desiredStatus } }',
        variables: { input: { podId: SEED.id } },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { pod: { id: SEED.id, desiredStatus: 'EXITED' } } });
  });
});

describe('answer parsing (pure)', () => {
  it.each<[string, RunPodErrorCode, boolean, number, string]>([
    ['no GPUs on resume', 'no-gpus-available', true, 200, `{"errors":[{"message":"${NO_FREE_GPUS_MESSAGE}"}]}`],
    ['no instances on deploy', 'no-gpus-available', true, 200, `{"errors":[{"message":"${NO_INSTANCES_MESSAGE}"}]}`],
    ['unauthorized in errors', 'unauthorized', false, 200, '{"errors":[{"message":"Unauthorized"}],"data":null}'],
    ['403', 'unauthorized', false, 403, 'Forbidden'],
    ['a validation error', 'graphql', false, 400, '{"errors":[{"message":"Unknown argument \\"foo\\""}]}'],
    ['a 404 (wrong base URL, not a missing pod)', 'graphql', false, 404, '<html>Not Found</html>'],
    ['a 200 HTML outage page', 'server', true, 200, '<html>502 Bad Gateway</html>'],
    ['a 502', 'server', true, 502, ''],
    ['pod not found', 'not-found', false, 200, '{"errors":[{"message":"Pod not found."}]}'],
    ['no data', 'graphql', false, 200, '{}'],
  ])('GIVEN %s THEN %s', (_name, code, retryable, status, text) => {
    let error: unknown;
    try {
      dataOf('podResume', { status, text });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code, retryable });
  });

  it('GIVEN an error message that echoes the key THEN it is redacted', () => {
    const key = 'rp_live_abcdef123456';
    expect(() => dataOf('pod', { status: 200, text: `{"errors":[{"message":"bad key ${key}"}]}` }, key)).toThrow(
      'RunPod pod: bad key [redacted]',
    );
  });

  it('GIVEN REST-style fields THEN podInfoOf reads costPerHr strings and env objects', () => {
    const pod = podInfoOf({
      id: 'p1',
      costPerHr: '0.74',
      env: { A: '1' },
      ports: ['8080/http', '22/tcp'],
      runtime: null,
    });
    expect(pod).toMatchObject({ id: 'p1', costPerHr: 0.74, env: { A: '1' }, ports: '8080/http,22/tcp' });
    expect(pod.runtime).toBeUndefined();
    expect(() => podInfoOf({ desiredStatus: 'RUNNING' })).toThrow(RunPodError);
  });
});

describe('finding pods by name', () => {
  it('GIVEN a deploy whose answer was lost THEN the pod it made is found by its name, and only it', async () => {
    const { fake, api } = await setUp();
    const { mayHaveTakenEffect } = await import('../../src/runpod/api.ts');
    const from = await mustGet(api, SEED.id);
    fake.failNext(1, 'done-then-500');
    const error = await failureOf(api.recreatePod(from, { name: 'maverick-re-0123abcd' }));
    expect(mayHaveTakenEffect(error)).toBe(true);
    const found = await api.findPodsByName('maverick-re-0123abcd');
    expect(found.map((pod) => pod.id)).toEqual([fake.podIds()[1]]);
    expect(found[0]).toMatchObject({ desiredStatus: 'RUNNING', networkVolumeId: SEED.networkVolumeId });
    expect(await api.findPodsByName('nobody')).toEqual([]);
    expect(fake.calls.at(-1)?.operation).toBe('myself');
  });
});

describe('the GraphQL documents', () => {
  it('GIVEN an input THEN it is written inline as RunPod documents it (strings quoted, enums bare) and also sent as variables', async () => {
    const { runpodDocument } = await import('../../src/runpod/api.ts');
    expect(runpodDocument('podResume', { podId: 'abc"1', gpuCount: 2 })).toMatch(
      /^mutation \{ podResume\(input: \{ podId: "abc\\"1", gpuCount: 2 \}\) \{ \.\.\.PodFields \} \}\nfragment PodFields on Pod/,
    );
    expect(runpodDocument('podStop', { podId: 'p' })).toBe(
      'mutation { podStop(input: { podId: "p" }) { id desiredStatus } }',
    );
    expect(
      runpodDocument('podFindAndDeployOnDemand', { cloudType: 'SECURE', env: [{ key: 'A', value: 'b' }], gpuCount: 2 }),
    ).toMatch(
      /podFindAndDeployOnDemand\(input: \{ cloudType: SECURE, env: \[\{ key: "A", value: "b" \}\], gpuCount: 2 \}\)/,
    );
    // runpod-python's `get_pods`: no input, the account's pods.
    expect(runpodDocument('myself', {})).toMatch(
      /^query \{ myself \{ pods \{ \.\.\.PodFields \} \} \}\nfragment PodFields on Pod/,
    );
  });
});
