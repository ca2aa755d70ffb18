import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { type Logger, sanitise, scrubText } from '../log.ts';

/**
 * The operations endpoint of one fitbot process, on OPS_PORT:
 *
 * - `GET /healthz`: each check run in parallel with its own timeout → 200
 *   `{status:'ok', checks}` or 503 `{status:'fail', failing:[names], checks}`.
 * - `GET /metrics`: the Prometheus text of the registry given.
 * - `/queues`: a read-only bull-board dashboard, behind HTTP basic auth with
 *   OPS_PASSWORD (any user name); without a password it is not served (404).
 *   Job data is shown without prompts and answers unless `showJobContent`.
 */

/** What a health check reports; anything besides `ok` is shown as is (keep it free of secrets). */
export interface CheckResult {
  ok: boolean;
  [detail: string]: unknown;
}

/** A health check: resolves with its result, or throws (→ not ok, with the error's message). */
export type HealthCheck = () => Promise<CheckResult>;

export interface HealthChecks {
  redis: HealthCheck;
  workers: HealthCheck;
  pod?: HealthCheck;
  [name: string]: HealthCheck | undefined;
}

export interface OpsServerOptions {
  /** OPS_PORT; 0 picks a free port (tests). */
  port: number;
  /** Interface to listen on (OPS_HOST). Default 127.0.0.1. */
  host?: string;
  /** OPS_PASSWORD: turns the dashboard on, behind basic auth. */
  password?: string;
  /** Served at /metrics (createMetrics().registry). */
  registry: Registry;
  checks: HealthChecks;
  /** A check that has not answered by then counts as failed, ms. Default 1500, so /healthz answers within ~2 s. */
  checkTimeoutMs?: number;
  /** BullMQ queues shown on the dashboard (read-only). */
  queues?: readonly Queue[];
  /** Show prompts and answers in the dashboard's job data. Default false. */
  showJobContent?: boolean;
  log?: Logger;
}

export interface OpsServer {
  /** Base URL, e.g. http://127.0.0.1:9464 (loopback when listening on all interfaces). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1500;
const REALM = 'Basic realm="fitbot ops", charset="UTF-8"';

class CheckTimeout extends Error {
  override readonly name = 'CheckTimeout';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Whether an Authorization header carries the password (any user name). Both
 * sides are hashed first so the comparison takes the same time whatever the
 * lengths, and timingSafeEqual compares the digests in constant time.
 */
export function basicAuthMatches(header: string | undefined, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(password));
}

/** Run every check at once, each bounded by timeoutMs; a check still in flight is not started again. */
function healthRunner(checks: HealthChecks, timeoutMs: number) {
  const inflight = new Map<string, Promise<CheckResult>>();
  const runOne = (name: string, check: HealthCheck): Promise<CheckResult> => {
    let running = inflight.get(name);
    if (!running) {
      running = Promise.resolve()
        .then(check)
        .finally(() => inflight.delete(name));
      inflight.set(name, running);
    }
    const startedAtMs = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([running, timeout])
      .then((result) => ({ ...(sanitise(result) as CheckResult), ok: result.ok === true }))
      .catch((error: unknown) => ({
        ok: false,
        error: scrubText(error instanceof Error ? error.message : String(error)),
        ms: Date.now() - startedAtMs,
      }))
      .finally(() => clearTimeout(timer));
  };
  return async () => {
    const entries = Object.entries(checks).filter((e): e is [string, HealthCheck] => e[1] !== undefined);
    const results = await Promise.all(entries.map(async ([name, check]) => [name, await runOne(name, check)] as const));
    const failing = results.filter(([, r]) => !r.ok).map(([name]) => name);
    return {
      healthy: failing.length === 0,
      body: {
        status: failing.length === 0 ? 'ok' : 'fail',
        ...(failing.length > 0 ? { failing } : {}),
        checks: Object.fromEntries(results),
      },
    };
  };
}

/** The dashboard's router: basic auth first (nothing under /queues answers without it), then reads only. */
function dashboard(options: OpsServerOptions, password: string, log: Logger | undefined): express.Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/queues');
  const hide = (data: unknown) => (options.showJobContent ? data : sanitise(data));
  createBullBoard({
    queues: (options.queues ?? []).map((queue) => {
      const adapter = new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false });
      adapter.setFormatter('data', hide);
      adapter.setFormatter('returnValue', hide);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'fitbot queues' } },
  });
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (basicAuthMatches(req.headers.authorization, password)) return next();
    log?.debug('ops dashboard: authentication refused', { ip: req.ip });
    res.status(401).set('WWW-Authenticate', REALM).json({ error: 'authentication required' });
  });
  // bull-board refuses actions on read-only queues itself (405); this also covers any route it adds later.
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.status(405).set('Allow', 'GET, HEAD').json({ error: 'the dashboard is read-only' });
  });
  router.use(serverAdapter.getRouter());
  return router;
}

/**
 * Start the ops HTTP server. Resolves once it listens; rejects if the port is
 * taken. Logs the URL and whether the dashboard is on, never the password.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { log } = options;
  const health = healthRunner(options.checks, options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', async (_req, res) => {
    const { healthy, body } = await health();
    res
      .status(healthy ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(body);
  });
  app.get('/metrics', async (_req, res) => {
    const text = await options.registry.metrics();
    res.status(200).set('Content-Type', options.registry.contentType).send(text);
  });
  if (options.password) app.use('/queues', dashboard(options, options.password, log));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    log?.error('ops request failed', { path: req.path, error });
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  });

  const host = options.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  log?.info('ops server listening', { url, dashboard: options.password ? 'on' : 'off (no OPS_PASSWORD)' });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// Health checks for the usual parts; each returns a HealthCheck for startOpsServer.

/** Redis answers PING; reports the round trip, ms. */
export function redisCheck(redis: { ping(): Promise<unknown> }): HealthCheck {
  return async () => {
    const startedAtMs = Date.now();
    await redis.ping();
    return { ok: true, latencyMs: Date.now() - startedAtMs };
  };
}

/** A BullMQ Worker as the workers check sees it. */
export interface WorkerLike {
  readonly name: string;
  isRunning(): boolean;
  isPaused(): boolean;
}

/**
 * Every worker of this process is running or deliberately paused. A worker
 * whose queue is in `mayBeStopped` (the Maverick worker, which its pod
 * controller starts only while the pod is ready) may also be stopped.
 */
export function workersCheck(workers: readonly WorkerLike[], mayBeStopped: readonly string[] = []): HealthCheck {
  return async () => {
    const states = Object.fromEntries(
      workers.map((w) => [w.name, w.isPaused() ? 'paused' : w.isRunning() ? 'running' : 'stopped'] as const),
    );
    const ok = Object.entries(states).every(([name, state]) => state !== 'stopped' || mayBeStopped.includes(name));
    return { ok, ...states };
  };
}

/** The pod status fields the pod check reads (PodStore.status()). */
export interface PodStatusLike {
  state: string;
  sinceMs: number;
  capped?: string;
}

/**
 * The pod is in a steady state. A pod booting or stopping for longer than
 * `stuckAfterMs` (say the health timeout plus two polls) means its controller
 * is not acting. A stopped or capped pod is healthy: the policy chose it.
 */
export function podCheck(
  status: () => Promise<PodStatusLike | undefined>,
  options: { stuckAfterMs: number; now?: () => number },
): HealthCheck {
  const now = options.now ?? Date.now;
  return async () => {
    const current = await status();
    if (!current) return { ok: true, state: 'unknown' };
    const inStateSeconds = Math.max(0, Math.round((now() - current.sinceMs) / 1000));
    const transient = current.state === 'booting' || current.state === 'stopping';
    const stuck = transient && inStateSeconds * 1000 > options.stuckAfterMs;
    return {
      ok: !stuck,
      state: current.state,
      inStateSeconds,
      ...(current.capped ? { capped: current.capped } : {}),
      ...(stuck ? { error: `${current.state} for ${inStateSeconds} s` } : {}),
    };
  };
}
