/**
 * `npm run bench`: every benchmark, printed as Markdown tables to paste into
 * docs/BENCHMARKS.md. Ratios are against a baseline measured in the same run,
 * since these machines are noisy.
 */
import { benchFit } from './fit.ts';
import { machine } from './stats.ts';

console.log(`# fitbot benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine()}\n`);
const fitBench = benchFit();
console.log('## /fit compute time\n');
console.log(fitBench.table);
const full = fitBench.timings[2];
if (full) console.log(`\nGoal p99 ≤ 1 ms: ${full.p99Ms <= 1 ? 'met' : 'NOT met'} (p99 ${full.p99Ms.toFixed(3)} ms).`);
