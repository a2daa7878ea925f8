import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WidgetManifest } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';

const ENTRY = 'export const element = 1;\n';
const CHUNK = 'export const voice = 2;\n';
const sri = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

async function builtWidget(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'speaknode-widget-dist-'));
  const manifest: WidgetManifest = {
    version: '0.1.0',
    entry: 'speaknode-agent.js',
    versionedEntry: 'speaknode-agent.0123456789abcdef.js',
    integrity: sri(ENTRY),
    voiceChunk: 'speaknode-agent-voice-abc123.js',
    files: {
      'speaknode-agent.js': { integrity: sri(ENTRY), bytes: ENTRY.length, gzipBytes: 40 },
      'speaknode-agent.0123456789abcdef.js': { integrity: sri(ENTRY), bytes: ENTRY.length, gzipBytes: 40 },
      'speaknode-agent-voice-abc123.js': { integrity: sri(CHUNK), bytes: CHUNK.length, gzipBytes: 40 },
    },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(join(dir, 'speaknode-agent.js'), ENTRY);
  await writeFile(join(dir, 'speaknode-agent.0123456789abcdef.js'), ENTRY);
  await writeFile(join(dir, 'speaknode-agent-voice-abc123.js'), CHUNK);
  await writeFile(join(dir, 'secret.js'), 'not listed');
  return dir;
}

describe('the widget at /widget/v1/', () => {
  let t: TestControl;
  let unbuilt: TestControl;
  beforeAll(async () => {
    t = await startTestControl({ env: { SPEAKNODE_WIDGET_DIR: await builtWidget() } });
    unbuilt = await startTestControl({
      env: { SPEAKNODE_WIDGET_DIR: await mkdtemp(join(tmpdir(), 'speaknode-widget-none-')) },
    });
  });
  afterAll(async () => {
    await t?.close();
    await unbuilt?.close();
  });

  it('serves the element at its documented path, briefly cached, as an ES module any origin may load and embed', async () => {
    const res = await fetch(`${t.url}/widget/v1/speaknode-agent.js`, { headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toBe(ENTRY);
    const manifest = (await (await fetch(`${t.url}/widget/v1/manifest.json`)).json()) as WidgetManifest;
    expect(sri(body)).toBe(manifest.integrity);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the same bytes at the versioned path and the voice chunk as immutable', async () => {
    const manifest = (await (await fetch(`${t.url}/widget/v1/manifest.json`)).json()) as WidgetManifest;
    const versioned = await fetch(`${t.url}/widget/v1/${manifest.versionedEntry}`);
    expect(versioned.status).toBe(200);
    const body = await versioned.text();
    expect(sri(body)).toBe(manifest.integrity);
    expect(sri(body)).toBe(manifest.files[manifest.versionedEntry]?.integrity);
    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(versioned.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(versioned.headers.get('access-control-allow-origin')).toBe('*');
    const chunk = await fetch(`${t.url}/widget/v1/speaknode-agent-voice-abc123.js`);
    expect(await chunk.text()).toBe(CHUNK);
    expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves the manifest uncached, and nothing the manifest does not list', async () => {
    const manifest = await fetch(`${t.url}/widget/v1/manifest.json`);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(Object.keys(((await manifest.json()) as WidgetManifest).files)).toEqual([
      'speaknode-agent.js',
      'speaknode-agent.0123456789abcdef.js',
      'speaknode-agent-voice-abc123.js',
    ]);
    for (const path of ['secret.js', '..%2Fmanifest.json', '%2E%2E%2Fpackage.json', 'speaknode-agent.js.map']) {
      const res = await fetch(`${t.url}/widget/v1/${path}`);
      expect(res.status, path).toBe(404);
    }
  });

  it('says how to build the widget when it is not built', async () => {
    const res = await fetch(`${unbuilt.url}/widget/v1/speaknode-agent.js`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/npm run build -w @speaknode\/web-widget/);
  });
});

describe("the widget endpoints' refusals", () => {
  let t: TestControl;
  let key: string;
  beforeAll(async () => {
    t = await startTestControl();
    const owner = await t.userToken('owner');
    const space = await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Shop' } });
    const agent = await t.request('POST', `/api/v1/spaces/${space.body.id}/agents`, {
      token: owner,
      body: {
        name: 'Front desk',
        prompt: 'You help.',
        llm: { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'stand-in' },
        stt: { provider: 'speaknode-models' },
        tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
        widget: { allowedOrigins: ['https://shop.example'] },
      },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    key = agent.body.publishableKey;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are readable by the page that asked, so the widget can say why', async () => {
    const foreign = await t.request('GET', `/api/v1/public/agents/${key}`, {
      headers: { origin: 'https://other.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBe('https://other.example');
    expect(foreign.body.detail).toMatch(/origin https:\/\/other\.example is not allowed/);
    const unknown = await t.request('GET', '/api/v1/public/agents/pk_unknownunknownunknown', {
      headers: { origin: 'https://shop.example' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    // A foreign page's session request stays unreadable (and its preflight fails).
    const post = await t.request('POST', `/api/v1/public/agents/${key}/sessions`, {
      headers: { origin: 'https://other.example' },
      body: { mode: 'text' },
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('expose Retry-After on a rate-limited session request', async () => {
    let limited: Awaited<ReturnType<TestControl['request']>> | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const res = await t.request('POST', `/api/v1/public/agents/${key}/sessions`, {
        headers: { origin: 'https://shop.example', 'x-forwarded-for': '203.0.113.9' },
        body: { mode: 'voice' },
      });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(limited?.headers.get('access-control-expose-headers')).toBe('Retry-After');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
