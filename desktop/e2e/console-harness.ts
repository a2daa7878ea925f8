/**
 * What the console's end-to-end specs share: the web build (each spec its own folder, so specs can
 * run side by side), a real control serving it (embedded PostgreSQL or DATABASE_URL; its embedded
 * issuer with known users), optionally the real agent worker (a process), and Debian's Chromium
 * (playwright-core) with sign-in, sign-out, light and dark screenshots, a request with the page's
 * own token, and what to print when a test fails. Control's own test parts are reused, not copied.
 * (The Stack pages' spec has its own transport, `stack-transport.ts`.)
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@speaknode/runtime/embedded-issuer';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import type { StartControlOptions } from '../../services/control/src/start.ts';
import {
  type AgentWorkerProcess,
  freePort,
  startAgentWorker,
} from '../../services/control/src/testing/agent-worker-process.ts';
import { startTestControl, type TestControl } from '../../services/control/src/testing/harness.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A microphone without a person: Chromium's fake device (a tone) and no permission prompt. */
const FAKE_MEDIA_FLAGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export const desktopDir = fileURLToPath(new URL('..', import.meta.url));
export const screenshotsDir = join(desktopDir, 'e2e/screenshots');

/** Whether the specs can run; when not, says why once (the spec then skips). */
export function chromiumPresent(spec: string): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`${spec} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return present;
}

// playwright-core has no expect of its own: wait for the locator's state, or poll with vitest.
export const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible' });
export const text = (locator: Locator, timeout = 15_000) => expect.poll(() => locator.textContent(), { timeout });

/** The page's globals, for code that runs in the page (these files are typed for Node). */
export interface BrowserGlobals {
  document: { documentElement: { setAttribute(name: string, value: string): void } };
  sessionStorage: { getItem(key: string): string | null };
  localStorage: { getItem(key: string): string | null };
}

export interface ConsoleUser {
  username: string;
  password: string;
}

export interface ConsoleServers {
  control: TestControl;
  /** The agent worker, when asked for. */
  worker: AgentWorkerProcess | undefined;
  /** The web build control serves at /console/. */
  webDir: string;
  close(): Promise<void>;
}

/**
 * Builds the web app into `out/<outDir>`, writes the embedded issuer's users, starts control serving
 * the build and, with `worker`, the agent worker (control's text channel and Try it go through it).
 */
export async function startConsoleServers(options: {
  /** A folder under out/ of this spec's own. */
  outDir: string;
  users: ConsoleUser[];
  env?: Record<string, string>;
  start?: StartControlOptions;
  worker?: boolean;
}): Promise<ConsoleServers> {
  const webDir = join(desktopDir, 'out', options.outDir);
  await build({
    configFile: join(desktopDir, 'vite.web.config.ts'),
    logLevel: 'warn',
    build: { outDir: webDir, emptyOutDir: true },
  });
  const dataDir = await mkdtemp(join(tmpdir(), `speaknode-${options.outDir}-`));
  const users = [];
  for (const user of options.users) {
    users.push({ username: user.username, passwordHash: await hashPassword(user.password) });
  }
  await writeFile(join(dataDir, 'console-users.json'), JSON.stringify({ users }), { mode: 0o600 });
  const apiToken = `console-e2e-agent-token-${options.outDir}-0123456789`;
  const workerPort = options.worker ? await freePort() : undefined;
  let control: TestControl | undefined;
  let worker: AgentWorkerProcess | undefined;
  const close = async () => {
    await worker?.stop();
    await control?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(webDir, { recursive: true, force: true });
  };
  try {
    control = await startTestControl({
      env: {
        SPEAKNODE_DATA_DIR: dataDir,
        SPEAKNODE_CONSOLE_DIR: webDir,
        ...(workerPort ? { AGENT_URL: `http://127.0.0.1:${workerPort}`, AGENT_API_TOKEN: apiToken } : {}),
        ...options.env,
      },
      ...(options.start ? { start: options.start } : {}),
    });
    if (workerPort) {
      worker = await startAgentWorker({
        PORT: String(workerPort),
        CONTROL_URL: control.url,
        SPEAKNODE_OIDC_ISSUER: control.control.issuer,
        SPEAKNODE_SERVICE_CLIENT_ID: 'test-agent',
        SPEAKNODE_SERVICE_CLIENT_SECRET: 'test-agent-secret',
        AGENT_API_TOKEN: apiToken,
        AGENT_CONFIG_CACHE_MS: '0',
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { control, worker, webDir, close };
}

export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  /** The page's console messages and errors, printed when a test fails. */
  log: string[];
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** A full-page screenshot in the light and the dark theme: `<prefix><name>-{light,dark}.png`. */
  shoot(name: string): Promise<void>;
  /** A request to `/api/v1/spaces/<current space><path>` with the signed-in user's own token; its status. */
  apiAsUser(method: string, path: string, body?: unknown): Promise<number>;
  /** For afterEach: on a failed test, a screenshot and what the page showed, with the browser's console. */
  reportFailure(context: { task: { result?: { state?: string } } }): Promise<void>;
  close(): Promise<void>;
}

export async function openConsoleBrowser(
  controlUrl: string,
  options: {
    /** Names the failure screenshot, `<name>-failure.png`. */
    name: string;
    screenshotPrefix?: string;
    viewport?: { width: number; height: number };
    timeoutMs?: number;
    /** Chromium's fake microphone, allowed without a prompt (voice tests). */
    fakeMedia?: boolean;
  },
): Promise<ConsoleBrowser> {
  const prefix = options.screenshotPrefix ?? '';
  await mkdir(screenshotsDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, ...(options.fakeMedia ? FAKE_MEDIA_FLAGS : [])],
  });
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 720 } });
  page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  const log: string[] = [];
  page.on('console', (message) => log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));

  return {
    browser,
    page,
    log,
    async signIn(username, password) {
      await page.goto(`${controlUrl}/console/`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await visible(page.getByRole('button', { name: 'Sign out' }));
    },
    async signOut() {
      await page.getByRole('button', { name: 'Sign out' }).click();
      // oidc-provider asks before ending its session.
      await page.getByRole('button', { name: /yes/i }).click();
      await visible(page.getByRole('button', { name: 'Sign in' }));
    },
    async shoot(name) {
      for (const theme of ['light', 'dark'] as const) {
        await page.evaluate((t) => {
          (globalThis as unknown as BrowserGlobals).document.documentElement.setAttribute('data-theme', t);
        }, theme);
        // Charts redraw in the theme's colours on the attribute change: let a frame pass.
        await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => resolve(null)))');
        await page.screenshot({ path: join(screenshotsDir, `${prefix}${name}-${theme}.png`), fullPage: true });
      }
    },
    apiAsUser(method, path, body) {
      return page.evaluate(
        async ({ method, path, body }) => {
          const { sessionStorage, localStorage } = globalThis as unknown as BrowserGlobals;
          const tokens = JSON.parse(sessionStorage.getItem('speaknode.tokens') ?? '{}') as { accessToken?: string };
          const spaceId = localStorage.getItem('speaknode.space');
          const response = await fetch(`/api/v1/spaces/${spaceId}${path}`, {
            method,
            headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          return response.status;
        },
        { method, path, body },
      );
    },
    async reportFailure(context) {
      if (context.task.result?.state !== 'fail') return;
      await page
        .screenshot({ path: join(screenshotsDir, `${options.name}-failure.png`), fullPage: true })
        .catch(() => {});
      const shown = await page
        .locator('body')
        .textContent()
        .catch(() => '');
      console.error(`page at failure: ${page.url()}\n${shown}`);
      console.error(`browser console:\n${log.join('\n')}`);
    },
    close: () => browser.close(),
  };
}
