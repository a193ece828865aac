import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for Yoga and Pothos; Vite would pick its `module` build for
    // our sources, giving two GraphQLError classes. One copy keeps `instanceof` true, as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every file starts real servers over real databases; two at a time fits a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
