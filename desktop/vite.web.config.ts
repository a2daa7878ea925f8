import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The renderer as a web app, served by control at /console/ (same origin as the API). */
export default defineConfig({
  root: fileURLToPath(new URL('src/renderer', import.meta.url)),
  base: '/console/',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('out/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/oidc': 'http://127.0.0.1:8080' } },
});
