import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every file starts real servers over real databases; two at a time fits a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
