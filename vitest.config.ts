import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Two cores on CI machines.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
