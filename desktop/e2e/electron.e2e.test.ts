/**
 * A smoke test of the Electron app itself with Playwright's `_electron`: the built main, preload and
 * renderer start, the window shows the console, the preload exposes exactly the contract's
 * channels and no Node, and navigation off the app is refused. It needs Electron's binary, which
 * `npm ci` downloads unless ELECTRON_SKIP_BINARY_DOWNLOAD is set (as on machines without
 * network access to GitHub's releases): without one it says why it skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ElectronApplication, _electron as electron } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../src/shared/ipc.ts';

const desktopDir = fileURLToPath(new URL('..', import.meta.url));

/** Electron's binary, the way the `electron` package finds it (its path.txt), or why there is none. */
function electronBinary(): { path: string } | { missing: string } {
  if (process.env.ELECTRON_BINARY) {
    return existsSync(process.env.ELECTRON_BINARY)
      ? { path: process.env.ELECTRON_BINARY }
      : { missing: `ELECTRON_BINARY=${process.env.ELECTRON_BINARY} does not exist` };
  }
  const packageDir = ['../node_modules/electron', '../../node_modules/electron']
    .map((p) => join(desktopDir, p))
    .find((p) => existsSync(join(p, 'package.json')));
  if (!packageDir) return { missing: 'the electron package is not installed' };
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      missing: `electron's binary was not downloaded (no ${pathFile}; npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or without access to its releases)`,
    };
  }
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary } : { missing: `electron's binary ${binary} is missing` };
}

const binary = electronBinary();
if ('missing' in binary) console.warn(`Electron smoke test skipped: ${binary.missing}. Set ELECTRON_BINARY to run it.`);

describe.skipIf('missing' in binary)('the Electron app', () => {
  let app: ElectronApplication;
  let control: Server;

  beforeAll(async () => {
    const { build } = await import('electron-vite');
    await build({ root: desktopDir, configFile: join(desktopDir, 'electron.vite.config.ts') } as never);
    // A stand-in control: the console's sign-in settings, so the renderer reaches its sign-in screen.
    control = createServer((req, res) => {
      if (req.url === '/console/config.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
            clientId: 'speaknode-console',
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [join(desktopDir, 'out/main/index.js'), '--no-sandbox'],
      env: { ...process.env, SPEAKNODE_CONTROL_URL: `http://127.0.0.1:${(control.address() as AddressInfo).port}` },
    });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
  });

  it('opens the console with the narrow bridge, no Node, and stays on the app', async () => {
    const window = await app.firstWindow();
    await window.waitForLoadState('domcontentloaded');
    expect(window.url()).toMatch(/^app:\/\/console\//);
    expect(await window.title()).toMatch(/Speaknode/);
    const exposed = await window.evaluate(() => {
      const g = globalThis as unknown as { speaknode?: Record<string, unknown>; process?: unknown; require?: unknown };
      return {
        channels: Object.keys(g.speaknode ?? {}).sort(),
        node: typeof g.process !== 'undefined' || typeof g.require !== 'undefined',
      };
    });
    expect(exposed).toEqual({ channels: [...IPC_CHANNELS].sort(), node: false });
    const info = await window.evaluate(async () =>
      (globalThis as unknown as { speaknode: { 'app:info'(): Promise<unknown> } }).speaknode['app:info'](),
    );
    expect(info).toMatchObject({ result: { controlUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) } });
    // Navigation off the app is refused by main.
    await window.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    // A later in-app navigation lands where it should, so the refused one was processed before it.
    await window.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/agents';
    });
    await expect.poll(() => window.url()).toMatch(/^app:\/\/console\/.*#\/agents$/);
    const webPreferences = await app.evaluate(({ BrowserWindow }) => {
      // Not in Electron's typings, but on every WebContents since Electron 18.
      const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as {
        getLastWebPreferences(): { contextIsolation?: boolean; sandbox?: boolean; nodeIntegration?: boolean };
      };
      const prefs = contents?.getLastWebPreferences();
      return {
        contextIsolation: prefs?.contextIsolation,
        sandbox: prefs?.sandbox,
        nodeIntegration: prefs?.nodeIntegration,
      };
    });
    expect(webPreferences).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
  }, 60_000);
});
