import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Two cores on CI machines.
    maxWorkers: 2,
    testTimeout: 20_000,
    // Set-up hooks start worker processes and pipelines: ~4 s each on a loaded 2-core machine, past the 10-s default.
    hookTimeout: 30_000,
  },
});
