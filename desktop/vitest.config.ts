import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineProject } from 'vitest/config';

/**
 * The desktop project of the root `npm test` (see ../vitest.config.ts): main/preload logic and
 * scripts in Node, component tests (`*.svelte.test.ts`, `// @vitest-environment jsdom`) with
 * the Svelte plugin, and the end-to-end run in Chromium (e2e/).
 */
export default defineProject({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [svelte(), svelteTesting()],
  test: {
    name: 'desktop',
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'e2e/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/out/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
