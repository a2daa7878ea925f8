import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'services/*/src/**/*.test.ts',
      'appliance/src/**/*.test.ts',
      'models/src/**/*.test.ts',
      'web-widget/src/**/*.test.ts',
      'desktop/src/**/*.test.ts',
      'installer/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: suites that start servers and databases are steadier one file per worker.
    pool: 'forks',
  },
});
