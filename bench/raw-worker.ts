// Raw BullMQ no-op worker as its own process, the baseline for the /ask pipeline benchmark.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl = 'redis://127.0.0.1:6379', prefix = 'bench', concurrency = '8'] = process.argv.slice(2);
const worker = new Worker('raw', async () => 'ok', {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix,
  concurrency: Number(concurrency),
});
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
