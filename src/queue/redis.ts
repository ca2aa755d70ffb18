import { Redis } from 'ioredis';

/**
 * A connection for BullMQ workers and queue events: `maxRetriesPerRequest: null`
 * as BullMQ requires, so blocking commands wait through Redis restarts.
 */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * A worker's connection for non-blocking commands (ledger writes, adding reply
 * jobs): like workerConnection, with commands issued in the same tick sent in one
 * write (auto-pipelining), which a blocking connection must not use.
 */
export function pipelinedConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: true });
}

/**
 * A connection for the bot's side (adding jobs, reading the ledger): fails fast
 * when Redis is down, so a user gets a clear message at once instead of a hang.
 */
export function clientConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/**
 * A one-shot command's connection (`fitbot spend`): commands queue until it
 * connects, and fail after a few reconnect attempts instead of waiting forever.
 */
export function commandConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 2000 });
}
