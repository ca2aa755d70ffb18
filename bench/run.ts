/**
 * `npm run bench`: every benchmark, printed as Markdown tables to paste into
 * docs/BENCHMARKS.md. Ratios are against a baseline measured in the same run,
 * since these machines are noisy. Needs Redis (REDIS_URL, default local; a
 * private redis-server is started when none answers).
 */
import { DEFAULT_REDIS_URL, ensureRedis } from '../src/infra/local-redis.ts';
import { benchAdapters } from './adapters.ts';
import { benchFit } from './fit.ts';
import { benchPipeline } from './pipeline.ts';
import { benchPolicy, policyTables, simulationSpeed } from './policy.ts';
import { machine } from './stats.ts';

console.log(`# fitbot benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine()}\n`);
const fitBench = benchFit();
console.log('## /fit compute time\n');
console.log(fitBench.table);
const full = fitBench.timings[2];
if (full) console.log(`\nGoal p99 ≤ 1 ms: ${full.p99Ms <= 1 ? 'met' : 'NOT met'} (p99 ${full.p99Ms.toFixed(3)} ms).`);

const policyBench = benchPolicy();
console.log('\n## Pod policy (simulator)\n');
console.log(policyTables(policyBench.rows));
const speed = simulationSpeed();
console.log(
  `Simulating one week (${speed.requests} requests): ${speed.fixed.p50Ms.toFixed(2)} ms with idle-stop-2m, ${speed.adaptive.p50Ms.toFixed(0)} ms with adaptive (p50); every policy on every trace at both targets: ${(policyBench.ms / 1000).toFixed(1)} s.`,
);

const redis = await ensureRedis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL);
try {
  const p = await benchPipeline(redis.url);
  console.log('\n## /ask pipeline throughput and enqueue→start latency\n');
  console.log(p.table);
  const ratio = p.pipeline.jobsPerSec / p.raw.jobsPerSec;
  console.log(
    `\nGoal ratio ≥ 0.25: ${ratio >= 0.25 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}); goal enqueue→start p99 ≤ 5 ms: ${p.pipeline.startP99Ms <= 5 ? 'met' : 'NOT met'} (${p.pipeline.startP99Ms.toFixed(1)} ms).`,
  );
} finally {
  await redis.stop?.();
}

const adapters = await benchAdapters();
console.log('\n## Acknowledge latency: 200 slash commands at once through each adapter\n');
console.log(adapters.table);

// Every section has closed what it opened; a library timer (BullMQ, undici keep-alive) must not keep the script up.
process.exit(0);
