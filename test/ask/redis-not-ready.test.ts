import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { BUILTIN_CATALOG } from '../../src/fit/catalog/index.ts';
import { createLogger } from '../../src/log.ts';
import { startPipeline } from '../../src/pipeline.ts';

/** A server that speaks just enough RESP to say it is still loading, whatever it is asked. */
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    socket.on('data', () => socket.write('-LOADING Redis is loading the dataset in memory\r\n'));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

it('GIVEN a Redis that answers but never gets ready THEN users are told so without the password in REDIS_URL', async () => {
  const lines: string[] = [];
  const pipeline = await startPipeline({
    config: parseConfig({ REDIS_URL: `redis://default:S3CRET-PASSWORD@127.0.0.1:${port}` }),
    catalog: BUILTIN_CATALOG,
    log: createLogger('debug', (line) => lines.push(line)),
    workers: [],
    deliverOrphan: async () => {},
  });
  try {
    expect(pipeline.unavailable).toContain(`127.0.0.1:${port}`);
    expect(pipeline.unavailable).not.toContain('S3CRET');
    expect(lines.join('')).not.toContain('S3CRET');
  } finally {
    await pipeline.close();
  }
}, 15_000);
