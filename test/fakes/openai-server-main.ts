// The fake model server as its own process (for benchmarks): prints its base URL, runs until killed.
import { startFakeOpenAI } from './openai-server.ts';

const fake = await startFakeOpenAI({ kind: 'ok', answer: () => 'ok', tokenDelayMs: 0 });
process.stdout.write(`${fake.url}\n`);
process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
