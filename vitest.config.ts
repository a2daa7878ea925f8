import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The desktop console has its own project (Svelte plugin, jsdom component tests, e2e in Chromium).
    projects: [
      {
        extends: true,
        test: {
          name: 'services',
          include: [
            'services/*/src/**/*.test.ts',
            'appliance/src/**/*.test.ts',
            'models/src/**/*.test.ts',
            'web-widget/src/**/*.test.ts',
            'installer/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
        },
      },
      'desktop/vitest.config.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: suites that start servers and databases are steadier one file per worker.
    pool: 'forks',
  },
});
