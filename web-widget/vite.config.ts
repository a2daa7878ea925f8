import { defineConfig } from 'vite';
import { widgetManifest } from './src/build/widget-manifest.ts';

/**
 * Library mode, one ES module: `speaknode-agent.js` (the element) and, split off by the dynamic
 * import in voice-conversation.ts, `speaknode-agent-voice-<hash>.js` (livekit-client), which only
 * a voice conversation loads. `manifest.json` lists both with their SRI hashes and gzip sizes.
 */
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: () => 'speaknode-agent.js',
    },
    rollupOptions: {
      output: { chunkFileNames: 'speaknode-agent-voice-[hash].js' },
    },
  },
  plugins: [widgetManifest()],
});
