/**
 * A Vite plugin that writes `manifest.json` (contracts' `WidgetManifest`) beside the built files:
 * each file's SRI hash (sha384) and its size raw and gzipped, so control can serve it and the
 * console can put the entry's integrity in the embed snippet.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { WidgetManifest } from '@speaknode/contracts';
import type { Plugin } from 'vite';

const ENTRY = 'speaknode-agent.js';

export function widgetManifest(): Plugin {
  return {
    name: 'speaknode-widget-manifest',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files: WidgetManifest['files'] = {};
      let voiceChunk = '';
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        const code = Buffer.from(output.code);
        files[output.fileName] = {
          integrity: `sha384-${createHash('sha384').update(code).digest('base64')}`,
          bytes: code.length,
          gzipBytes: gzipSync(code, { level: 9 }).length,
        };
        if (output.fileName !== ENTRY) voiceChunk = output.fileName;
      }
      const entry = files[ENTRY];
      if (!entry) throw new Error(`the build has no ${ENTRY}`);
      if (!voiceChunk) throw new Error('the build has no voice chunk: livekit-client must stay a dynamic import');
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      const manifest: WidgetManifest = { version, entry: ENTRY, integrity: entry.integrity, voiceChunk, files };
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
  };
}
