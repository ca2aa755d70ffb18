import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Send PING, resolve true on +PONG (or NOAUTH: something answers), false on refusal or timeout. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  // rediss:// is Redis over TLS (managed Redis): the PING goes inside the TLS session.
  const secure = protocol === 'rediss:';
  return new Promise((resolve) => {
    const socket = secure
      ? tlsConnect({ host, port: Number(port || 6379), servername: host })
      : createConnection({ host, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    // -NOAUTH: something answers (a password is needed); -LOADING: it answers, still reading its AOF.
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH|-LOADING)/.test(data.toString())));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface LocalRedis {
  url: string;
  /** Set when this process started the server: stops it. */
  stop?: () => Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'Start Redis on 127.0.0.1:6379 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL.';

/**
 * A Redis that answers: the one at `url` if it does, otherwise (for a local url)
 * a private `redis-server` on a free loopback port, with append-only persistence
 * in `dataDir` when given. Throws with what to install when neither works.
 */
export async function ensureRedis(
  url: string,
  options: { dataDir?: string; noStart?: boolean } = {},
): Promise<LocalRedis> {
  if (await pingRedis(url)) return { url };
  const host = new URL(url).hostname;
  if (options.noStart || !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`Redis at ${new URL(url).host} does not answer. Check REDIS_URL.`);
  }
  const port = await freePort();
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fitbot-redis-'));
  mkdirSync(dir, { recursive: true });
  const persistence = options.dataDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no', '--save', ''];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--maxmemory-policy', 'noeviction', ...persistence],
    { stdio: 'ignore' },
  );
  const started = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`redis-server is not installed. ${REDIS_INSTALL_HINT}`) : error),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
    const localUrl = `redis://127.0.0.1:${port}`;
    const poll = async (triesLeft: number): Promise<void> => {
      if (await pingRedis(localUrl, 200)) return resolve();
      if (triesLeft === 0) {
        child.kill('SIGTERM'); // never leave a half-started server behind
        return reject(new Error('redis-server did not answer within 5 s'));
      }
      setTimeout(() => void poll(triesLeft - 1), 100);
    };
    void poll(50);
  });
  await started;
  child.removeAllListeners('exit');
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
