import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Contract tests need the moto server; .ci/run starts it and sets MOTO_ENDPOINT.
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
