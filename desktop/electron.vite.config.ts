import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

/**
 * main and preload run in Electron; the renderer is the same Svelte app that `vite.web.config.ts`
 * builds for control's /console/. The preload is CommonJS because sandboxed preloads cannot be ESM.
 */
export default defineConfig({
  main: {
    build: { outDir: 'out/main', rollupOptions: { input: 'src/main/index.ts' } },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: 'src/preload/index.ts', output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [svelte()],
    build: { outDir: 'out/renderer', rollupOptions: { input: 'src/renderer/index.html' } },
  },
});
