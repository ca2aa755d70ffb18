/**
 * A small client for RunPod's pod API: read a pod, resume, stop, terminate, and recreate it on
 * the same network volume.
 *
 * Why GraphQL (`https://api.runpod.io/graphql`) and not REST v1 (`rest.runpod.io/v1`): one `pod`
 * query returns `desiredStatus`, `costPerHr` and `runtime { uptimeInSeconds gpus ports }`. That is
 * what it takes to notice a pod that resumed with zero GPUs (its machine's GPUs were taken while it
 * was stopped) and to cross-check billing against our own ledger. `podResume` also takes the GPU
 * count; REST `POST /pods/{id}/start` takes none.
 * Sources: docs.runpod.io/sdks/graphql/manage-pods; runpod-python `runpod/api/queries/pods.py` and
 * `runpod/api/mutations/pods.py`; runpodctl `internal/api/graphql.go` (Bearer key on /graphql,
 * input passed as `variables.input`).
 *
 * Requests are written both ways the public clients write them, so any RunPod-compatible endpoint
 * reads them: the input inline in the document (docs, runpod-python) and as `variables.input`
 * (runpodctl); the key as a Bearer header (runpodctl) and as the documented `?api_key=` (docs,
 * runpod-python; over HTTPS only RunPod sees the URL). The key is never logged and never in an
 * error message.
 *
 * No retries here. Every failure is a {@link RunPodError}; its `retryable` tells the caller (the
 * pod controller, a BullMQ job) whether the same call may succeed later. Note for
 * {@link RunPodApi.recreatePod}: after a timeout or a 5xx the pod may have been created anyway
 * (runpodctl refuses to retry POSTs for this reason: a second billed pod), so look before deploying again:
 * {@link mayHaveTakenEffect} says when, {@link RunPodApi.findPodsByName} finds it.
 */

/** Pod states as RunPod's GraphQL schema lists them (`PodStatus`); unknown future values pass through. */
export type PodStatus = 'CREATED' | 'RUNNING' | 'RESTARTING' | 'EXITED' | 'PAUSED' | 'DEAD' | 'TERMINATED';

/** One port mapping of a running container (`runtime.ports`). */
export interface PodPort {
  ip: string;
  isIpPublic: boolean;
  privatePort: number;
  publicPort: number;
  /** 'http' or 'tcp'. */
  type: string;
}

/** What the container reports while it is up. */
export interface PodRuntime {
  /** Container uptime, whole seconds (RunPod's `uptimeInSeconds`). */
  uptimeSeconds: number;
  /** GPUs actually attached: the length of `runtime.gpus`. 0 means the pod runs without GPUs; undefined, not reported. */
  gpuCount?: number;
  ports: PodPort[];
}

/** A pod as fitbot needs it. Env values may hold secrets (tokens): never log a PodInfo whole. */
export interface PodInfo {
  id: string;
  name: string;
  /** What RunPod is driving the pod towards; RUNNING as soon as a resume is accepted. */
  desiredStatus: PodStatus | (string & {});
  /** USD per hour while running, as RunPod bills it (GPUs, CPU, RAM, container disk). */
  costPerHr: number;
  /** GPUs the pod is configured with; 0 after a resume that found no free GPUs on the machine. */
  gpuCount: number;
  /** e.g. "NVIDIA H100 80GB HBM3" (from `machine.gpuTypeId`). */
  gpuTypeId: string;
  imageName: string;
  /** SECURE or COMMUNITY, from `machine.secureCloud`; undefined when RunPod sent no machine. */
  cloudType?: 'SECURE' | 'COMMUNITY';
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  /** RunPod's own format: "8080/http,22/tcp". */
  ports: string;
  env: Record<string, string>;
  dockerArgs: string;
  memoryInGb: number;
  vcpuCount: number;
  networkVolumeId?: string;
  /** The network volume's data center, e.g. "EU-RO-1"; a new pod on that volume must land there. */
  dataCenterId?: string;
  /** Undefined while the container is not up (stopped, or still starting after a resume). */
  runtime?: PodRuntime;
}

export type RunPodErrorCode =
  | 'unauthorized'
  | 'not-found'
  | 'no-gpus-available'
  | 'rate-limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'graphql'
  | 'no-network-volume';

const RETRYABLE: ReadonlySet<RunPodErrorCode> = new Set([
  'no-gpus-available',
  'rate-limited',
  'server',
  'network',
  'timeout',
]);

/**
 * A failed RunPod call. `retryable`: the same call may succeed later (no free GPUs, rate limit,
 * 5xx, network, timeout). `status` is the HTTP status when there was a response. The message names
 * the operation and RunPod's own words, never the API key.
 */
export class RunPodError extends Error {
  override readonly name = 'RunPodError';
  readonly code: RunPodErrorCode;
  readonly retryable: boolean;
  readonly status?: number;
  /** From a 429's Retry-After header, ms. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    options: { code: RunPodErrorCode; status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? RETRYABLE.has(options.code);
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Whether a failed call may have taken effect anyway: no answer (timeout, network) or a server
 * error, as opposed to RunPod declining it.
 */
export function mayHaveTakenEffect(error: unknown): boolean {
  return (
    error instanceof RunPodError && (error.code === 'timeout' || error.code === 'network' || error.code === 'server')
  );
}

export interface RunPodApiOptions {
  apiKey: string;
  /** Default https://api.runpod.io; GraphQL is at `${baseUrl}/graphql`. */
  baseUrl?: string;
  /** Per call, from request to the end of the response body (default 15 000). */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export interface RecreateOptions {
  /** Defaults to `from.gpuCount`; pass the configured count when `from` came back with zero GPUs. */
  gpuCount?: number;
  /** Defaults to `from.name`. */
  name?: string;
}

export interface RunPodApi {
  /** The pod, or undefined when RunPod does not know it (terminated, wrong id). */
  getPod(podId: string): Promise<PodInfo | undefined>;
  /** Starts a stopped pod with `gpuCount` GPUs; resolves once RunPod accepted (desiredStatus RUNNING), before the container is up. */
  resumePod(podId: string, gpuCount: number): Promise<PodInfo>;
  /** Stops the pod (billing for GPUs stops; the volume stays and is billed as storage). */
  stopPod(podId: string): Promise<void>;
  /** Deletes the pod for good. Resolves too when the pod is already gone. */
  terminatePod(podId: string): Promise<void>;
  /**
   * Deploys a new on-demand pod like `from` (image, GPU type and count, cloud, disks, mount path,
   * ports, env, docker args, vCPU and RAM minimums) on the same network volume, and returns it with
   * its new id. Throws RunPodError 'no-network-volume' when `from` has none: a new pod would start
   * without the model files. Does not touch `from`.
   */
  recreatePod(from: PodInfo, options?: RecreateOptions): Promise<PodInfo>;
  /** The account's pods (not terminated) with this exact name: how a pod a failed recreate may have made is found. */
  findPodsByName(name: string): Promise<PodInfo[]>;
}

export const DEFAULT_RUNPOD_BASE_URL = 'https://api.runpod.io';
export const DEFAULT_RUNPOD_TIMEOUT_MS = 15_000;

/** The pod fields we read, shared by the query and the mutations that return a pod. */
const POD_FIELDS = `fragment PodFields on Pod {
  id name desiredStatus costPerHr gpuCount imageName dockerArgs env ports
  containerDiskInGb volumeInGb volumeMountPath memoryInGb vcpuCount networkVolumeId
  networkVolume { id dataCenterId }
  machine { gpuTypeId secureCloud }
  runtime { uptimeInSeconds gpus { id } ports { ip isIpPublic privatePort publicPort type } }
}`;

/** What each operation selects. */
const SELECTIONS = {
  pod: { kind: 'query', fields: '{ ...PodFields }' },
  podResume: { kind: 'mutation', fields: '{ ...PodFields }' },
  podStop: { kind: 'mutation', fields: '{ id desiredStatus }' },
  podTerminate: { kind: 'mutation', fields: '' },
  podFindAndDeployOnDemand: { kind: 'mutation', fields: '{ ...PodFields }' },
  // runpod-python `get_pods`: `query { myself { pods { … } } }`, the account's pods.
  myself: { kind: 'query', fields: '{ pods { ...PodFields } }' },
} as const;

export type RunPodOperation = keyof typeof SELECTIONS;

/** Input fields whose values are GraphQL enums, written without quotes. */
const ENUM_FIELDS = new Set(['cloudType']);

/** A value as a GraphQL literal: strings JSON-quoted, enums bare, objects and lists recursively. */
function literal(value: unknown, key = ''): string {
  if (Array.isArray(value)) return `[${value.map((v) => literal(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${literal(v, k)}`)
      .join(', ')} }`;
  }
  if (typeof value === 'string') return ENUM_FIELDS.has(key) ? value : JSON.stringify(value);
  return String(value);
}

/**
 * The GraphQL document of an operation with its input written inline, as
 * RunPod's documentation and runpod-python write them (the same input also
 * travels as `variables.input`, which a GraphQL server ignores when the
 * document declares no variables, and runpodctl-style readers use).
 */
export function runpodDocument(operation: RunPodOperation, input: Record<string, unknown>): string {
  const { kind, fields } = SELECTIONS[operation];
  const args = Object.keys(input).length > 0 ? `(input: ${literal(input)})` : '';
  const body = `${kind} { ${operation}${args}${fields ? ` ${fields}` : ''} }`;
  return fields.includes('...PodFields') ? `${body}\n${POD_FIELDS}` : body;
}

/** Creates the client. Nothing is sent until a method is called. */
export function createRunPodApi(options: RunPodApiOptions): RunPodApi {
  const endpoint = `${(options.baseUrl ?? DEFAULT_RUNPOD_BASE_URL).replace(/\/+$/, '')}/graphql`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUNPOD_TIMEOUT_MS;
  const fetchImpl = options.fetchImpl ?? fetch;
  const { apiKey } = options;

  async function call(operation: RunPodOperation, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // The key goes as a Bearer header (runpodctl) and as `api_key` in the query (RunPod's GraphQL
      // docs, runpod-python), so either kind of endpoint accepts it; neither URL nor key is ever logged.
      const response = await fetchImpl(`${endpoint}?api_key=${encodeURIComponent(apiKey)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query: runpodDocument(operation, input), variables: { input } }),
        signal,
      });
      const text = await response.text();
      return dataOf(
        operation,
        { status: response.status, text, retryAfter: response.headers.get('retry-after') },
        apiKey,
      );
    } catch (error) {
      if (error instanceof RunPodError) throw error;
      throw transportError(operation, error, signal.aborted, timeoutMs);
    }
  }

  return {
    async getPod(podId) {
      try {
        const data = await call('pod', { podId });
        return data.pod == null ? undefined : podInfoOf(data.pod, 'pod');
      } catch (error) {
        if (error instanceof RunPodError && error.code === 'not-found') return undefined;
        throw error;
      }
    },
    async resumePod(podId, gpuCount) {
      if (!Number.isInteger(gpuCount) || gpuCount < 1)
        throw new RangeError(`resumePod needs gpuCount ≥ 1, got ${gpuCount}`);
      const data = await call('podResume', { podId, gpuCount });
      if (data.podResume == null) throw emptyAnswer('podResume');
      return podInfoOf(data.podResume, 'podResume');
    },
    async stopPod(podId) {
      await call('podStop', { podId });
    },
    async terminatePod(podId) {
      try {
        await call('podTerminate', { podId });
      } catch (error) {
        if (error instanceof RunPodError && error.code === 'not-found') return;
        throw error;
      }
    },
    async recreatePod(from, recreateOptions) {
      const data = await call('podFindAndDeployOnDemand', deployInputOf(from, recreateOptions));
      if (data.podFindAndDeployOnDemand == null) throw emptyAnswer('podFindAndDeployOnDemand');
      return podInfoOf(data.podFindAndDeployOnDemand, 'podFindAndDeployOnDemand');
    },
    async findPodsByName(name) {
      const pods = asRecord((await call('myself', {})).myself).pods;
      return (Array.isArray(pods) ? pods : [])
        .map((pod) => podInfoOf(pod, 'myself'))
        .filter((pod) => pod.name === name);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Pure parts: what to send, and what an answer means. Exported for table tests.

/** An HTTP answer, reduced to what classification needs. */
export interface RawAnswer {
  status: number;
  text: string;
  /** The Retry-After header, if any. */
  retryAfter?: string | null;
}

/**
 * The `data` object of a GraphQL answer, or the RunPodError it amounts to. RunPod reports most
 * failures as HTTP 200 with an `errors` array ("There are not enough free GPUs on the host machine
 * to start this pod."), so the messages are classified too. `apiKey` is scrubbed from any text kept.
 */
export function dataOf(operation: string, answer: RawAnswer, apiKey = ''): Record<string, unknown> {
  const { status } = answer;
  const where = `RunPod ${operation}`;
  if (status === 401 || status === 403) {
    return fail(
      `${where}: the API key was rejected (HTTP ${status}). Check the RunPod API key in the bot's configuration and that it has read/write access.`,
      { code: 'unauthorized', status },
    );
  }
  if (status === 429) {
    const retryAfterMs = retryAfterMsOf(answer.retryAfter);
    return fail(`${where}: rate limited (HTTP 429)`, {
      code: 'rate-limited',
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500) return fail(`${where}: server error (HTTP ${status})`, { code: 'server', status });

  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    // A 200 that is not JSON is a proxy or outage page, not an answer: worth another try.
    if (status < 300) return fail(`${where}: the answer was not JSON (HTTP ${status})`, { code: 'server', status });
    return fail(`${where}: request rejected (HTTP ${status})`, { code: 'graphql', status });
  }
  const record = asRecord(body);
  const errors = Array.isArray(record.errors) ? record.errors : [];
  if (errors.length > 0) throw graphQLError(operation, errors, status, apiKey);
  if (status < 200 || status >= 300) {
    // 404 here means a wrong base URL, never "no such pod": do not let it read as a missing pod.
    return fail(`${where}: request rejected (HTTP ${status})`, { code: 'graphql', status });
  }
  if (record.data == null || typeof record.data !== 'object') {
    return fail(`${where}: the answer has no data`, { code: 'graphql', status });
  }
  return asRecord(record.data);
}

/** What RunPod's words mean, first match wins. */
const MESSAGE_CODES: readonly [RegExp, RunPodErrorCode][] = [
  // podResume: "There are not enough free GPUs on the host machine to start this pod."
  // podFindAndDeployOnDemand: "There are no longer any instances available with the requested specifications."
  [
    /not enough free gpus|no longer any instances available|no (gpu|instance)s? (are )?available|out of stock/i,
    'no-gpus-available',
  ],
  [/unauthori[sz]ed|unauthenticated|forbidden|invalid api key|permission/i, 'unauthorized'],
  [/rate limit|too many requests/i, 'rate-limited'],
  [/not found|does not exist|no such pod/i, 'not-found'],
  [/something went wrong|internal server error|try again later|timed? ?out/i, 'server'],
];

/** One RunPodError for a GraphQL `errors` array, from its first message (RunPod sends one). */
export function graphQLError(operation: string, errors: readonly unknown[], status = 200, apiKey = ''): RunPodError {
  const first = asRecord(errors[0]);
  const raw = typeof first.message === 'string' && first.message !== '' ? first.message : 'unknown error';
  const message = scrub(raw, apiKey).slice(0, 300);
  const extensionCode = String(asRecord(first.extensions).code ?? '');
  const code: RunPodErrorCode =
    MESSAGE_CODES.find(([pattern]) => pattern.test(message))?.[1] ??
    (/UNAUTHENTICATED|FORBIDDEN/i.test(extensionCode) ? 'unauthorized' : 'graphql');
  return new RunPodError(`RunPod ${operation}: ${message}`, { code, status });
}

/** A fetch that threw: our timeout, or the network (refused, reset, DNS). */
export function transportError(operation: string, error: unknown, timedOut: boolean, timeoutMs: number): RunPodError {
  const name = error instanceof Error ? error.name : '';
  if (timedOut || name === 'TimeoutError') {
    return new RunPodError(`RunPod ${operation}: no answer within ${timeoutMs} ms`, { code: 'timeout', cause: error });
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const detail = (cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && cause.code) || name;
  return new RunPodError(`RunPod ${operation}: network error${detail ? ` (${detail})` : ''}`, {
    code: 'network',
    cause: error,
  });
}

/** The GraphQL `Pod` object as a PodInfo; throws RunPodError 'graphql' if it has no id. */
export function podInfoOf(raw: unknown, operation = 'pod'): PodInfo {
  const pod = asRecord(raw);
  if (typeof pod.id !== 'string' || pod.id === '') {
    throw new RunPodError(`RunPod ${operation}: the answer has no pod id`, { code: 'graphql' });
  }
  const machine = asRecord(pod.machine);
  const volume = asRecord(pod.networkVolume);
  const networkVolumeId = stringOr(pod.networkVolumeId, '') || stringOr(volume.id, '');
  const dataCenterId = stringOr(volume.dataCenterId, '');
  const info: PodInfo = {
    id: pod.id,
    name: stringOr(pod.name, ''),
    desiredStatus: stringOr(pod.desiredStatus, 'UNKNOWN'),
    costPerHr: numberOr(pod.costPerHr, 0),
    gpuCount: numberOr(pod.gpuCount, 0),
    gpuTypeId: stringOr(machine.gpuTypeId, ''),
    imageName: stringOr(pod.imageName, ''),
    containerDiskInGb: numberOr(pod.containerDiskInGb, 0),
    volumeInGb: numberOr(pod.volumeInGb, 0),
    volumeMountPath: stringOr(pod.volumeMountPath, ''),
    ports: Array.isArray(pod.ports) ? pod.ports.join(',') : stringOr(pod.ports, ''),
    env: envOf(pod.env),
    dockerArgs: stringOr(pod.dockerArgs, ''),
    memoryInGb: numberOr(pod.memoryInGb, 0),
    vcpuCount: numberOr(pod.vcpuCount, 0),
  };
  if (typeof machine.secureCloud === 'boolean') info.cloudType = machine.secureCloud ? 'SECURE' : 'COMMUNITY';
  if (networkVolumeId !== '') info.networkVolumeId = networkVolumeId;
  if (dataCenterId !== '') info.dataCenterId = dataCenterId;
  const runtime = runtimeOf(pod.runtime);
  if (runtime) info.runtime = runtime;
  return info;
}

/**
 * The `podFindAndDeployOnDemand` input that rebuilds `from` on its network volume. Throws
 * RunPodError 'no-network-volume' when there is none. Network volumes exist only in Secure Cloud
 * and in one data center, so the new pod is pinned there.
 */
export function deployInputOf(from: PodInfo, options: RecreateOptions = {}): Record<string, unknown> {
  if (!from.networkVolumeId) {
    throw new RunPodError(
      `Pod ${from.id} has no network volume, so a new pod would start without the model files and would have to download them again. Put the model on a RunPod network volume, attach it to the pod (RunPod console → Storage), then recreate; or replace the pod by hand.`,
      { code: 'no-network-volume' },
    );
  }
  const gpuCount = options.gpuCount ?? from.gpuCount;
  if (!Number.isInteger(gpuCount) || gpuCount < 1) {
    throw new RangeError(
      `recreatePod needs gpuCount ≥ 1 (pod ${from.id} reports ${from.gpuCount}); pass the configured count`,
    );
  }
  const input: Record<string, unknown> = {
    name: options.name ?? from.name,
    imageName: from.imageName,
    gpuTypeId: from.gpuTypeId,
    gpuCount,
    cloudType: from.cloudType ?? 'SECURE',
    containerDiskInGb: from.containerDiskInGb,
    volumeMountPath: from.volumeMountPath,
    ports: from.ports,
    env: Object.entries(from.env).map(([key, value]) => ({ key, value })),
    dockerArgs: from.dockerArgs,
    networkVolumeId: from.networkVolumeId,
  };
  if (from.dataCenterId) input.dataCenterId = from.dataCenterId;
  if (from.memoryInGb > 0) input.minMemoryInGb = from.memoryInGb;
  if (from.vcpuCount > 0) input.minVcpuCount = from.vcpuCount;
  return input;
}

/** RunPod's GraphQL `env` is a list of "KEY=value" strings; REST sends an object. */
export function envOf(raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (typeof item === 'string') {
        const at = item.indexOf('=');
        if (at > 0) env[item.slice(0, at)] = item.slice(at + 1);
      } else {
        const { key, value } = asRecord(item);
        if (typeof key === 'string') env[key] = String(value ?? '');
      }
    }
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) env[key] = String(value);
  }
  return env;
}

function runtimeOf(raw: unknown): PodRuntime | undefined {
  if (raw == null || typeof raw !== 'object') return undefined;
  const runtime = asRecord(raw);
  const ports = Array.isArray(runtime.ports) ? runtime.ports.map(asRecord) : [];
  return {
    uptimeSeconds: numberOr(runtime.uptimeInSeconds, 0),
    ...(Array.isArray(runtime.gpus) ? { gpuCount: runtime.gpus.length } : {}),
    ports: ports.map((p) => ({
      ip: stringOr(p.ip, ''),
      isIpPublic: p.isIpPublic === true,
      privatePort: numberOr(p.privatePort, 0),
      publicPort: numberOr(p.publicPort, 0),
      type: stringOr(p.type, ''),
    })),
  };
}

function emptyAnswer(operation: string): RunPodError {
  return new RunPodError(`RunPod ${operation}: the answer has no pod`, { code: 'graphql' });
}

function fail(message: string, options: ConstructorParameters<typeof RunPodError>[1]): never {
  throw new RunPodError(message, options);
}

/** Retry-After in seconds, as ms; undefined when absent or not a number of seconds (HTTP dates are ignored). */
function retryAfterMsOf(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}

function scrub(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** RunPod sends costPerHr as a number in GraphQL and as a string ("0.74") in REST. */
function numberOr(value: unknown, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
