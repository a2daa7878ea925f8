/**
 * A Vite plugin that writes `manifest.json` (contracts' `WidgetManifest`) beside the built files:
 * each file's SRI hash (sha384) and its size raw and gzipped, so control can serve it and the
 * console can put the entry's integrity in the embed snippet; and the entry a second time under a
 * content-hashed name, which control serves as immutable (the snippet's `src`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { WidgetManifest } from '@speaknode/contracts';
import type { Plugin } from 'vite';

const ENTRY = 'speaknode-agent.js';

/** `speaknode-agent.<first 16 hex digits of the SHA-256 of the code>.js`. */
export function versionedEntryName(code: string | Buffer): string {
  return `speaknode-agent.${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
}

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
      const entryChunk = bundle[ENTRY];
      if (!entry || entryChunk?.type !== 'chunk') throw new Error(`the build has no ${ENTRY}`);
      // The entry again under a name that changes with its bytes: the embed snippet's immutable src.
      const versionedEntry = versionedEntryName(entryChunk.code);
      files[versionedEntry] = entry;
      this.emitFile({ type: 'asset', fileName: versionedEntry, source: entryChunk.code });
      if (!voiceChunk) throw new Error('the build has no voice chunk: livekit-client must stay a dynamic import');
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      const manifest: WidgetManifest = {
        version,
        entry: ENTRY,
        versionedEntry,
        integrity: entry.integrity,
        voiceChunk,
        files,
      };
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
  };
}
