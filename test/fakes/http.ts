import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What every fake on loopback needs: an HTTP server on 127.0.0.1 that can be
 * closed with requests still hanging, the raw request body, and multipart
 * bodies (files from discord.js and from Slack's uploadV2).
 */

export interface LoopbackServer {
  server: Server;
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Destroys open sockets (hanging requests included), then stops listening. */
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1 (a free port by default); a handler that throws drops its connection. */
export async function listenLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port = 0,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    origin: `http://127.0.0.1:${bound}`,
    port: bound,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The parts of a multipart/form-data body (RFC 7578): name, filename, type and bytes of each. */
export function formParts(body: Buffer, boundary: string) {
  const delimiter = Buffer.from(`--${boundary.replace(/^"|"$/g, '')}`);
  const parts: { name: string; filename?: string; contentType: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length + 2; // CRLF after the delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next - 2); // CRLF before the next delimiter
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const contentType = /content-type: *([^\r\n]+)/i.exec(head)?.[1] ?? 'text/plain';
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), contentType, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}
