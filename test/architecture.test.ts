import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

function pureFiles(): string[] {
  return PURE_DIRS.flatMap((dir) => {
    try {
      return files(dir);
    } catch {
      return [];
    }
  })
    .filter((f) => !IO_FILES.has(f))
    .concat(PURE_RUNPOD);
}

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(path: string): string[] {
  const source = readFileSync(join(ROOT, path), 'utf8');
  return [...source.matchAll(/(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

const PLATFORM_SDKS = ['discord.js', '@slack/bolt', 'bullmq', 'ioredis', 'openai'];
const PURE_DIRS = ['src/fit', 'src/command', 'src/routing', 'src/spend', 'src/time'];
/** The pod's pure half: policies, the simulator and run settlement (the API client, store and controller are its I/O). */
const PURE_RUNPOD = [
  'accounting',
  'policy',
  'policies',
  'simulate',
  'simulate-cli',
  'schedule',
  'trace',
  'present',
].map((name) => `src/runpod/${name}.ts`);
/** I/O edges that live beside the pure files of their domain (DESIGN.md: the ledger is in spend/; the chart renderer reads its font). */
const IO_FILES = new Set(['src/spend/redis-ledger.ts', 'src/spend/chart.ts']);

describe('layering', () => {
  it('GIVEN the pure core THEN it imports no I/O: no node: modules, no SDKs, no config', () => {
    const offenders = pureFiles().flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('node:') || PLATFORM_SDKS.includes(spec) || spec.endsWith('/config.ts'))
        .map((spec) => `${file} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('GIVEN the pure core THEN it reads no clock, randomness or environment', () => {
    const offenders = pureFiles().filter((file) =>
      /Date\.now\(|new Date\(\)|Math\.random\(|process\.env/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('GIVEN any source outside the adapters THEN it imports no chat platform SDK', () => {
    const all = [...files('src'), ...files('commands')];
    const offenders = all
      .filter((f) => !f.startsWith('src/adapters/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((spec) => ['discord.js', '@slack/bolt'].includes(spec))
          .map((s) => `${file} → ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it('GIVEN the codebase THEN only src/config.ts reads process.env', () => {
    const all = [...files('src'), ...files('commands')];
    const readers = all.filter((f) => /process\.env/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(readers).toEqual(['src/config.ts']);
  });
});
