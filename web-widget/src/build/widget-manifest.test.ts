/**
 * The real build's manifest against the bytes it wrote: each file's SRI hash and sizes, the entry
 * twice (stable and content-hashed name, the same bytes), the voice chunk apart, the size budget.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WidgetManifest } from '@speaknode/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWidget } from '../testing/platform.ts';
import { versionedEntryName } from './widget-manifest.ts';

let dir: string;
let manifest: WidgetManifest;
beforeAll(async () => {
  dir = await buildWidget();
  manifest = WidgetManifest.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
}, 180_000);

describe("the widget build's manifest", () => {
  it('lists every script it wrote, each with the SRI hash and sizes of its bytes', async () => {
    const written = (await readdir(dir)).filter((name) => name.endsWith('.js')).sort();
    expect(Object.keys(manifest.files).sort()).toEqual(written);
    for (const [name, file] of Object.entries(manifest.files)) {
      const bytes = await readFile(join(dir, name));
      expect(file.integrity, name).toBe(`sha384-${createHash('sha384').update(bytes).digest('base64')}`);
      expect(file.bytes, name).toBe(bytes.length);
      expect(file.gzipBytes, name).toBe(gzipSync(bytes, { level: 9 }).length);
    }
  });

  it('has the entry under a name its bytes decide, with the integrity the embed snippet carries', async () => {
    const entry = await readFile(join(dir, manifest.entry));
    expect(manifest.entry).toBe('speaknode-agent.js');
    expect(manifest.versionedEntry).toBe(versionedEntryName(entry));
    expect(manifest.versionedEntry).toMatch(/^speaknode-agent\.[0-9a-f]{16}\.js$/);
    expect((await readFile(join(dir, manifest.versionedEntry))).equals(entry)).toBe(true);
    expect(manifest.integrity).toBe(manifest.files[manifest.entry]?.integrity);
    expect(manifest.integrity).toBe(manifest.files[manifest.versionedEntry]?.integrity);
  });

  it('keeps livekit-client out of the element (a voice chunk of its own) and the element within 25 KB gzip', async () => {
    const entry = await readFile(join(dir, manifest.entry), 'utf8');
    expect(entry).toContain(manifest.voiceChunk);
    expect(entry).not.toMatch(/livekit-client|RoomEvent\.|new Room\(/);
    expect(manifest.files[manifest.entry]!.gzipBytes).toBeLessThanOrEqual(25 * 1024);
    expect(manifest.files[manifest.voiceChunk]!.gzipBytes).toBeGreaterThan(manifest.files[manifest.entry]!.gzipBytes);
  });
});
