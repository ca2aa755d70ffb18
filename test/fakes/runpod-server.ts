import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, readBody } from './http.ts';

/**
 * A fake RunPod API on loopback: GraphQL (`POST /graphql`: the `pod` and `myself { pods }` queries and the `podResume`,
 * `podStop`, `podTerminate`, `podFindAndDeployOnDemand` mutations) and REST v1
 * (`GET /v1/pods/{id}`, `POST /v1/pods/{id}/start|stop`), both over the same pods.
 *
 * What it models: EXITED → resume → RUNNING at once, with `runtime` only after `runtimeDelayMs`
 * (the container starting); stop → EXITED; terminate → gone. It bills by itself, per second of
 * RUNNING, as RunPod does. Time comes from `now` so a test can compress minutes into nothing.
 *
 * Limits: GraphQL input must arrive as `variables.input` (as our client and runpodctl send it), and
 * every pod field is returned whatever the selection set asked for.
 */

/** The key the fake accepts unless told otherwise. */
export const FAKE_RUNPOD_KEY = 'rp_fake_key_0123456789';

/** RunPod's messages, as users reported them (runpod-python #168; llm-autoeval #3). */
export const NO_FREE_GPUS_MESSAGE = 'There are not enough free GPUs on the host machine to start this pod.';
export const NO_INSTANCES_MESSAGE =
  'There are no longer any instances available with the requested specifications. Please refresh and try again.';
/** RunPod's catch-all (runpodctl #45). */
export const SOMETHING_WENT_WRONG_MESSAGE = 'Something went wrong. Please try again later or contact support.';

export type FakePodStatus = 'RUNNING' | 'EXITED' | 'TERMINATED';

/** A pod the fake starts with. Only the first four fields are required; the rest have plain defaults. */
export interface FakePodSeed {
  id: string;
  gpuCount: number;
  gpuTypeId: string;
  costPerHr: number;
  networkVolumeId?: string;
  /** Default EXITED. A RUNNING seed has its runtime up already. */
  desiredStatus?: 'RUNNING' | 'EXITED';
  name?: string;
  imageName?: string;
  /** The network volume's data center (default EU-RO-1). */
  dataCenterId?: string;
  /** Default "8080/http,22/tcp". */
  ports?: string;
  env?: Record<string, string>;
  dockerArgs?: string;
  containerDiskInGb?: number;
  volumeInGb?: number;
  volumeMountPath?: string;
  memoryInGb?: number;
  vcpuCount?: number;
  /** Default true (network volumes exist only in Secure Cloud). */
  secureCloud?: boolean;
}

/**
 * How a call fails: an HTTP status, a GraphQL error (HTTP 200, `errors`), RunPod's "not enough free
 * GPUs" (for a deploy: "no longer any instances available"), a connection reset, or no answer at all.
 * `not-found` answers as if the pod did not exist (`pod: null`, REST 404) while it does: a stale read.
 * `done-then-500` carries the call out, then answers HTTP 500: a gateway that gave up on a backend that finished.
 * REST calls answer the GraphQL-only kinds with HTTP 500 and `{ error, status }`.
 */
export type FailureKind =
  | 'http-500'
  | 'http-429'
  | 'graphql-error'
  | 'no-gpus'
  | 'not-found'
  | 'done-then-500'
  | 'reset'
  | 'hang';

export interface FakeRunPodOptions {
  pods?: FakePodSeed[];
  /** Default {@link FAKE_RUNPOD_KEY}. */
  apiKey?: string;
  /** From resume (or deploy) to `runtime` appearing, ms of the fake's clock (default 0). */
  runtimeDelayMs?: number;
  /** The fake's clock in ms (default `performance.now`); drives billing, uptime, runtime delay and failFor. */
  now?: () => number;
  /** Price per GPU-hour for a deployed GPU type no seed has (default 1). Known types use the seed's price. */
  deployCostPerGpuHr?: number;
  /** Default 0: a free port. */
  port?: number;
}

/** One request as the fake saw it. */
export interface FakeCall {
  /** The GraphQL root field (`pod`, `podResume`, …) or the REST route (`GET /v1/pods/{id}`). */
  operation: string;
  atMs: number;
  /** The request path with its query string, e.g. "/graphql" (so a test can see no key went into the URL). */
  path: string;
  /** GraphQL `variables.input`, or `{ podId }` for REST. */
  input?: Record<string, unknown>;
  failure?: FailureKind;
  /** The request carried no valid key. */
  unauthorized?: boolean;
}

/** A pod's state, for assertions. */
export interface FakePodSnapshot {
  id: string;
  name: string;
  desiredStatus: FakePodStatus;
  gpuCount: number;
  gpuTypeId: string;
  costPerHr: number;
  imageName: string;
  networkVolumeId?: string;
  env: Record<string, string>;
  ports: string;
  /** The container is up (`runtime` non-null). */
  runtimeUp: boolean;
  /** Length of `runtime.gpus`; 0 while down. */
  runtimeGpuCount: number;
  uptimeSeconds: number;
  billedSeconds: number;
}

export type FakePodListener = (podId: string, status: FakePodStatus, pod: FakePodSnapshot) => void;

export interface FakeRunPod {
  /** http://127.0.0.1:PORT: the client's baseUrl; GraphQL at `${url}/graphql`. */
  url: string;
  /** `${url}/v1`, standing in for https://rest.runpod.io/v1. */
  restUrl: string;
  apiKey: string;
  calls: FakeCall[];
  /** Snapshot of a pod, terminated ones included; undefined for ids never seen. */
  pod(id: string): FakePodSnapshot | undefined;
  /** Ids of pods not terminated, in creation order. */
  podIds(): string[];
  /** Seconds this pod has spent RUNNING, fractional. */
  billedSeconds(podId: string): number;
  /** Seconds RUNNING across every pod the fake ever had (recreated and terminated ones too). */
  totalBilledSeconds(): number;
  /** USD across every pod: billed seconds × each pod's costPerHr. */
  totalBilledUsd(): number;
  /** The next `n` calls (of `operation` only, if given) fail this way, queued after any already queued. */
  failNext(n: number, kind: FailureKind, operation?: string): void;
  /** Every call fails this way for `ms` of the fake's clock: the API down for a while. */
  failFor(ms: number, kind?: FailureKind): void;
  /** The next resume succeeds but the pod comes back with no GPUs: gpuCount 0, `runtime.gpus: []`. */
  zeroGpusOnNextResume(): void;
  /** Called on every status change (resume, stop, terminate, deploy). Returns an unsubscribe function. */
  onChange(listener: FakePodListener): () => void;
  /** Stops listening and drops open sockets (hanging calls included). */
  close(): Promise<void>;
}

interface PodState {
  id: string;
  name: string;
  status: FakePodStatus;
  gpuCount: number;
  /** The count the pod was created with: REST start, which takes no count, asks for this many. */
  wantedGpuCount: number;
  gpuTypeId: string;
  costPerHr: number;
  imageName: string;
  networkVolumeId?: string;
  dataCenterId: string;
  ports: string;
  env: Record<string, string>;
  dockerArgs: string;
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  memoryInGb: number;
  vcpuCount: number;
  secureCloud: boolean;
  /** Clock reading when it last entered RUNNING. */
  runningSinceMs?: number;
  /** Clock reading from which the container counts as up. */
  runtimeFromMs?: number;
  billedMs: number;
  lastStartedAt?: string;
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeRunPod(options: FakeRunPodOptions = {}): Promise<FakeRunPod> {
  const apiKey = options.apiKey ?? FAKE_RUNPOD_KEY;
  const now = options.now ?? (() => performance.now());
  const runtimeDelayMs = options.runtimeDelayMs ?? 0;
  const pods = new Map<string, PodState>();
  const calls: FakeCall[] = [];
  const listeners = new Set<FakePodListener>();
  const queued: { kind: FailureKind; operation?: string }[] = [];
  let down: { untilMs: number; kind: FailureKind } | undefined;
  let zeroGpusNext = false;
  let created = 0;

  for (const seed of options.pods ?? []) pods.set(seed.id, stateOfSeed(seed, now()));

  // --- the pod model ---------------------------------------------------------------------------

  const billedMsOf = (pod: PodState) =>
    pod.billedMs + (pod.status === 'RUNNING' && pod.runningSinceMs !== undefined ? now() - pod.runningSinceMs : 0);
  const runtimeUp = (pod: PodState) =>
    pod.status === 'RUNNING' && pod.runtimeFromMs !== undefined && now() >= pod.runtimeFromMs;
  const uptimeSecondsOf = (pod: PodState) =>
    runtimeUp(pod) && pod.runtimeFromMs !== undefined ? Math.floor((now() - pod.runtimeFromMs) / 1000) : 0;

  function snapshot(pod: PodState): FakePodSnapshot {
    const up = runtimeUp(pod);
    return {
      id: pod.id,
      name: pod.name,
      desiredStatus: pod.status,
      gpuCount: pod.gpuCount,
      gpuTypeId: pod.gpuTypeId,
      costPerHr: pod.costPerHr,
      imageName: pod.imageName,
      ...(pod.networkVolumeId ? { networkVolumeId: pod.networkVolumeId } : {}),
      env: { ...pod.env },
      ports: pod.ports,
      runtimeUp: up,
      runtimeGpuCount: up ? pod.gpuCount : 0,
      uptimeSeconds: uptimeSecondsOf(pod),
      billedSeconds: billedMsOf(pod) / 1000,
    };
  }

  function setStatus(pod: PodState, status: FakePodStatus): void {
    const t = now();
    if (pod.status === 'RUNNING' && pod.runningSinceMs !== undefined) pod.billedMs += t - pod.runningSinceMs;
    pod.status = status;
    pod.runningSinceMs = undefined;
    pod.runtimeFromMs = undefined;
    if (status === 'RUNNING') {
      pod.runningSinceMs = t;
      pod.runtimeFromMs = t + runtimeDelayMs;
      pod.lastStartedAt = new Date().toISOString();
    }
    const view = snapshot(pod);
    for (const listener of listeners) listener(pod.id, status, view);
  }

  function resume(pod: PodState, gpuCount: number): void {
    if (pod.status === 'RUNNING') return;
    pod.gpuCount = zeroGpusNext ? 0 : gpuCount;
    zeroGpusNext = false;
    setStatus(pod, 'RUNNING');
  }

  function livePod(id: unknown): PodState | undefined {
    const pod = typeof id === 'string' ? pods.get(id) : undefined;
    return pod && pod.status !== 'TERMINATED' ? pod : undefined;
  }

  function deploy(input: Record<string, unknown>): PodState | string {
    const gpuTypeId = input.gpuTypeId;
    const gpuCount = input.gpuCount;
    if (typeof input.imageName !== 'string' || input.imageName === '') return 'imageName is required';
    if (typeof gpuTypeId !== 'string' || gpuTypeId === '') return 'gpuTypeId is required';
    if (typeof gpuCount !== 'number' || !Number.isInteger(gpuCount) || gpuCount < 1) return 'gpuCount must be ≥ 1';
    const volumeId = typeof input.networkVolumeId === 'string' ? input.networkVolumeId : undefined;
    const volumeHome = [...pods.values()].find((p) => volumeId && p.networkVolumeId === volumeId)?.dataCenterId;
    // Network volumes live in one data center and only in Secure Cloud (runpodctl #172).
    if (volumeId && input.cloudType === 'COMMUNITY') return 'Network volumes are only available in Secure Cloud.';
    if (volumeId && volumeHome && typeof input.dataCenterId === 'string' && input.dataCenterId !== volumeHome) {
      return `Network volume ${volumeId} is in ${volumeHome}, not ${input.dataCenterId}.`;
    }
    const sameType = [...pods.values()].find((p) => p.gpuTypeId === gpuTypeId && p.wantedGpuCount > 0);
    const perGpu = sameType ? sameType.costPerHr / sameType.wantedGpuCount : (options.deployCostPerGpuHr ?? 1);
    created += 1;
    const id = `fakepod${String(created).padStart(7, '0')}`;
    const pod = stateOfSeed(
      {
        id,
        gpuCount,
        gpuTypeId,
        costPerHr: round2(perGpu * gpuCount),
        name: stringOr(input.name, id),
        imageName: input.imageName,
        ...(volumeId ? { networkVolumeId: volumeId } : {}),
        dataCenterId: stringOr(input.dataCenterId, volumeHome ?? 'EU-RO-1'),
        ports: stringOr(input.ports, ''),
        env: envOfInput(input.env),
        dockerArgs: stringOr(input.dockerArgs, ''),
        containerDiskInGb: numberOr(input.containerDiskInGb, 20),
        volumeInGb: numberOr(input.volumeInGb, 0),
        volumeMountPath: stringOr(input.volumeMountPath, '/workspace'),
        memoryInGb: numberOr(input.minMemoryInGb, 62),
        vcpuCount: numberOr(input.minVcpuCount, 16),
        secureCloud: input.cloudType !== 'COMMUNITY',
      },
      now(),
    );
    pod.status = 'EXITED';
    pods.set(id, pod);
    setStatus(pod, 'RUNNING');
    return pod;
  }

  // --- wire formats ------------------------------------------------------------------------------

  function graphQLPod(pod: PodState) {
    const up = runtimeUp(pod);
    return {
      id: pod.id,
      name: pod.name,
      desiredStatus: pod.status,
      costPerHr: pod.costPerHr,
      gpuCount: pod.gpuCount,
      imageName: pod.imageName,
      dockerArgs: pod.dockerArgs,
      env: Object.entries(pod.env).map(([k, v]) => `${k}=${v}`),
      ports: pod.ports,
      containerDiskInGb: pod.containerDiskInGb,
      volumeInGb: pod.volumeInGb,
      volumeMountPath: pod.volumeMountPath,
      memoryInGb: pod.memoryInGb,
      vcpuCount: pod.vcpuCount,
      networkVolumeId: pod.networkVolumeId ?? null,
      networkVolume: pod.networkVolumeId ? { id: pod.networkVolumeId, dataCenterId: pod.dataCenterId } : null,
      machineId: `machine-${pod.id}`,
      machine: { gpuTypeId: pod.gpuTypeId, secureCloud: pod.secureCloud, podHostId: `${pod.id}-host` },
      uptimeSeconds: uptimeSecondsOf(pod),
      runtime: up
        ? {
            uptimeInSeconds: uptimeSecondsOf(pod),
            gpus: Array.from({ length: pod.gpuCount }, (_, i) => ({
              id: `GPU-${pod.id}-${i}`,
              gpuUtilPercent: 0,
              memoryUtilPercent: 0,
            })),
            ports: runtimePortsOf(pod.ports),
            container: { cpuPercent: 0, memoryPercent: 0 },
          }
        : null,
    };
  }

  /** REST v1's Pod: `image`, `costPerHr` as a string, `gpu { id count }`, ports as a list, env as an object; no runtime. */
  function restPod(pod: PodState) {
    return {
      id: pod.id,
      name: pod.name,
      image: pod.imageName,
      desiredStatus: pod.status,
      costPerHr: String(pod.costPerHr),
      adjustedCostPerHr: pod.costPerHr,
      gpu: { id: pod.gpuTypeId, count: pod.gpuCount, displayName: pod.gpuTypeId },
      containerDiskInGb: pod.containerDiskInGb,
      volumeInGb: pod.volumeInGb,
      volumeMountPath: pod.volumeMountPath,
      ports: pod.ports === '' ? [] : pod.ports.split(','),
      env: { ...pod.env },
      networkVolumeId: pod.networkVolumeId ?? null,
      machineId: `machine-${pod.id}`,
      memoryInGb: pod.memoryInGb,
      vcpuCount: pod.vcpuCount,
      interruptible: false,
      locked: false,
      lastStartedAt: pod.lastStartedAt ?? null,
    };
  }

  // --- HTTP --------------------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = (await readBody(req)).toString('utf8');
    const isGraphQL = url.pathname === '/graphql';
    const route = isGraphQL ? undefined : restRoute(req.method ?? 'GET', url.pathname);
    let body: Record<string, unknown> = {};
    if (isGraphQL) {
      try {
        body = asRecord(JSON.parse(raw));
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'POST body sent invalid JSON.' }] });
      }
    }
    const query = typeof body.query === 'string' ? body.query : '';
    const input = isGraphQL ? asRecord(asRecord(body.variables).input) : route ? { podId: route.podId } : undefined;
    const operation = isGraphQL ? (rootFieldOf(query) ?? 'unknown') : (route?.name ?? `${req.method} ${url.pathname}`);
    const call: FakeCall = { operation, atMs: now(), path: req.url ?? '/', ...(input ? { input } : {}) };
    calls.push(call);

    const failure = nextFailure(operation);
    if (failure) {
      call.failure = failure;
      if (failure === 'done-then-500') {
        if (isGraphQL) graphQL(() => {}, operation, input ?? {});
        else if (route) rest(() => {}, route);
      }
      return sendFailure(res, failure, isGraphQL, operation);
    }

    const bearer = req.headers.authorization === `Bearer ${apiKey}`;
    const queryKey = isGraphQL && url.searchParams.get('api_key') === apiKey;
    if (!bearer && !queryKey) {
      call.unauthorized = true;
      return sendJson(
        res,
        401,
        isGraphQL ? { errors: [{ message: 'Unauthorized' }] } : { error: 'Unauthorized', status: 401 },
      );
    }

    if (isGraphQL) {
      if (req.method !== 'POST') return sendJson(res, 405, { errors: [{ message: 'Use POST' }] });
      return graphQL((status, answer) => sendJson(res, status, answer), operation, input ?? {});
    }
    if (!route) return sendJson(res, 404, { error: 'not found', status: 404 });
    return rest((status, answer) => sendJson(res, status, answer), route);
  }

  function graphQL(send: Send, operation: string, input: Record<string, unknown>) {
    const answer = (data: Record<string, unknown>) => send(200, { data });
    const error = (message: string, field: string) =>
      send(200, { errors: [{ message, path: [field] }], data: { [field]: null } });
    const pod = livePod(input.podId);
    switch (operation) {
      case 'pod':
        return answer({ pod: pod ? graphQLPod(pod) : null });
      case 'myself':
        return answer({
          myself: { pods: [...pods.values()].filter((p) => p.status !== 'TERMINATED').map(graphQLPod) },
        });
      case 'podResume': {
        if (!pod) return error('Pod not found.', operation);
        const gpuCount = input.gpuCount;
        if (typeof gpuCount !== 'number' || gpuCount < 1) return error('gpuCount must be ≥ 1', operation);
        resume(pod, gpuCount);
        return answer({ podResume: graphQLPod(pod) });
      }
      case 'podStop':
        if (!pod) return error('Pod not found.', operation);
        if (pod.status === 'RUNNING') setStatus(pod, 'EXITED');
        return answer({ podStop: { id: pod.id, desiredStatus: pod.status } });
      case 'podTerminate':
        if (!pod) return error('Pod not found.', operation);
        setStatus(pod, 'TERMINATED');
        return answer({ podTerminate: null });
      case 'podFindAndDeployOnDemand': {
        const result = deploy(input);
        if (typeof result === 'string') return error(result, operation);
        return answer({ podFindAndDeployOnDemand: graphQLPod(result) });
      }
      default:
        return send(400, { errors: [{ message: `Cannot query field "${operation}" on the fake RunPod API.` }] });
    }
  }

  function rest(send: Send, route: RestRoute) {
    const pod = livePod(route.podId);
    if (!pod) return send(404, { error: 'pod not found', status: 404 });
    if (route.action === 'start') resume(pod, pod.wantedGpuCount);
    if (route.action === 'stop' && pod.status === 'RUNNING') setStatus(pod, 'EXITED');
    return send(200, restPod(pod));
  }

  function nextFailure(operation: string): FailureKind | undefined {
    if (down && now() < down.untilMs) return down.kind;
    down = undefined;
    const at = queued.findIndex((q) => q.operation === undefined || q.operation === operation);
    return at < 0 ? undefined : queued.splice(at, 1)[0]?.kind;
  }

  function sendFailure(res: ServerResponse, kind: FailureKind, isGraphQL: boolean, operation: string) {
    switch (kind) {
      case 'reset':
        return void res.socket?.destroy();
      case 'hang':
        return; // the socket stays open until the client gives up or close() destroys it
      case 'http-500':
      case 'done-then-500':
        return sendJson(
          res,
          500,
          isGraphQL
            ? { errors: [{ message: 'Internal Server Error' }] }
            : { error: 'Internal Server Error', status: 500 },
        );
      case 'http-429':
        res.setHeader('Retry-After', '2');
        return sendJson(
          res,
          429,
          isGraphQL ? { errors: [{ message: 'Too Many Requests' }] } : { error: 'Too Many Requests', status: 429 },
        );
      case 'not-found':
        if (!isGraphQL) return sendJson(res, 404, { error: 'pod not found', status: 404 });
        if (operation === 'pod') return sendJson(res, 200, { data: { pod: null } });
        return sendJson(res, 200, {
          errors: [{ message: 'Pod not found.', path: [operation] }],
          data: { [operation]: null },
        });
      case 'graphql-error':
      case 'no-gpus': {
        const message =
          kind === 'graphql-error'
            ? SOMETHING_WENT_WRONG_MESSAGE
            : operation === 'podFindAndDeployOnDemand'
              ? NO_INSTANCES_MESSAGE
              : NO_FREE_GPUS_MESSAGE;
        if (!isGraphQL) return sendJson(res, 500, { error: message, status: 500 });
        return sendJson(res, 200, { errors: [{ message, path: [operation] }], data: { [operation]: null } });
      }
    }
  }

  const { origin: url, close } = await listenLoopback(handle, options.port ?? 0);

  return {
    url,
    restUrl: `${url}/v1`,
    apiKey,
    calls,
    pod: (id) => {
      const pod = pods.get(id);
      return pod ? snapshot(pod) : undefined;
    },
    podIds: () => [...pods.values()].filter((p) => p.status !== 'TERMINATED').map((p) => p.id),
    billedSeconds: (podId) => {
      const pod = pods.get(podId);
      return pod ? billedMsOf(pod) / 1000 : 0;
    },
    totalBilledSeconds: () => [...pods.values()].reduce((s, p) => s + billedMsOf(p) / 1000, 0),
    totalBilledUsd: () => [...pods.values()].reduce((s, p) => s + (billedMsOf(p) / 3_600_000) * p.costPerHr, 0),
    failNext(n, kind, operation) {
      for (let i = 0; i < n; i += 1) queued.push(operation === undefined ? { kind } : { kind, operation });
    },
    failFor(ms, kind = 'http-500') {
      down = { untilMs: now() + ms, kind };
    },
    zeroGpusOnNextResume() {
      zeroGpusNext = true;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
  };
}

function stateOfSeed(seed: FakePodSeed, nowMs: number): PodState {
  const running = seed.desiredStatus === 'RUNNING';
  return {
    id: seed.id,
    name: seed.name ?? `fitbot-${seed.id}`,
    status: running ? 'RUNNING' : 'EXITED',
    gpuCount: seed.gpuCount,
    wantedGpuCount: seed.gpuCount,
    gpuTypeId: seed.gpuTypeId,
    costPerHr: seed.costPerHr,
    imageName: seed.imageName ?? 'ghcr.io/ggml-org/llama.cpp:server-cuda',
    ...(seed.networkVolumeId ? { networkVolumeId: seed.networkVolumeId } : {}),
    dataCenterId: seed.dataCenterId ?? 'EU-RO-1',
    ports: seed.ports ?? '8080/http,22/tcp',
    env: { ...(seed.env ?? {}) },
    dockerArgs: seed.dockerArgs ?? '',
    containerDiskInGb: seed.containerDiskInGb ?? 20,
    volumeInGb: seed.volumeInGb ?? 0,
    volumeMountPath: seed.volumeMountPath ?? '/workspace',
    memoryInGb: seed.memoryInGb ?? 250,
    vcpuCount: seed.vcpuCount ?? 32,
    secureCloud: seed.secureCloud ?? true,
    // A RUNNING seed has been up a while: its container is up now, and billing starts now.
    ...(running ? { runningSinceMs: nowMs, runtimeFromMs: nowMs } : {}),
    billedMs: 0,
  };
}

interface RestRoute {
  name: string;
  podId: string;
  action: 'get' | 'start' | 'stop';
}

function restRoute(method: string, path: string): RestRoute | undefined {
  const get = /^\/v1\/pods\/([^/]+)$/.exec(path);
  if (method === 'GET' && get?.[1])
    return { name: 'GET /v1/pods/{id}', podId: decodeURIComponent(get[1]), action: 'get' };
  const act = /^\/v1\/pods\/([^/]+)\/(start|stop)$/.exec(path);
  if (method === 'POST' && act?.[1] && (act[2] === 'start' || act[2] === 'stop')) {
    return { name: `POST /v1/pods/{id}/${act[2]}`, podId: decodeURIComponent(act[1]), action: act[2] };
  }
  return undefined;
}

/** The first root field of the operation: `query Pod($input: …) { pod(input: $input) {…} }` → "pod", `query { myself { … } }` → "myself". */
function rootFieldOf(query: string): string | undefined {
  return /\{\s*(\w+)\s*[({]/.exec(query)?.[1];
}

/** Where an answer goes: the HTTP response, or nowhere (a call whose answer is lost). */
type Send = (status: number, body: unknown) => void;

/** Ports "8080/http,22/tcp" as RunPod's runtime reports them: http behind the proxy, tcp on a public IP. */
function runtimePortsOf(ports: string) {
  return ports
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const [port = '0', type = 'http'] = p.split('/');
      const privatePort = Number(port);
      return type === 'tcp'
        ? { ip: '203.0.113.10', isIpPublic: true, privatePort, publicPort: 40_000 + (privatePort % 1000), type }
        : { ip: '100.64.0.2', isIpPublic: false, privatePort, publicPort: privatePort, type };
    });
}

function envOfInput(raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const { key, value } = asRecord(item);
      if (typeof key === 'string') env[key] = String(value ?? '');
    }
  }
  return env;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
