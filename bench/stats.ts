import { cpus } from 'node:os';
import { quantile } from '../src/fit/speed-model.ts';

export interface Timing {
  name: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Time `fn` over `iterations` calls after a warm-up, in milliseconds per call. */
export function time(name: string, iterations: number, fn: (i: number) => void): Timing {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return {
    name,
    samples: iterations,
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
    maxMs: Math.max(...samples),
  };
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

export function row(t: Timing, baseline?: Timing): string {
  const ratio = baseline ? ` | ${(t.p50Ms / baseline.p50Ms).toFixed(1)}×` : ' | —';
  return `| ${t.name} | ${t.samples} | ${t.p50Ms.toFixed(4)} | ${t.p99Ms.toFixed(4)} | ${t.maxMs.toFixed(3)}${ratio} |`;
}
