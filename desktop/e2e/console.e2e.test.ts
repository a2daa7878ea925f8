/**
 * The console end to end, in Debian's Chromium (playwright-core) against its web build served by a
 * real control (embedded PostgreSQL or DATABASE_URL, its embedded issuer's login page) and the real
 * agent worker (a process) with control's OpenAI-compatible stand-in LLM, which calls the tool.
 * Screenshots of every page, light and dark, go to e2e/screenshots/ (gitignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@speaknode/runtime/embedded-issuer';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Control's own test parts (the harness, the worker as a process, the stand-in LLM): reused, not copied.
import {
  type AgentWorkerProcess,
  freePort,
  startAgentWorker,
} from '../../services/control/src/testing/agent-worker-process.ts';
import { startTestControl, type TestControl } from '../../services/control/src/testing/harness.ts';
import {
  lastIsToolResult,
  lastUserText,
  type OpenAIChatServer,
  startOpenAIChatServer,
} from '../../services/control/src/testing/openai-chat-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const desktopDir = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(desktopDir, 'out/web');
const screenshots = join(desktopDir, 'e2e/screenshots');
const API_TOKEN = 'console-e2e-agent-token-0123456789';
const ADMIN_PASSWORD = 'admin-e2e-password';
const VIEWER_PASSWORD = 'viewer-e2e-password';

interface BrowserGlobals {
  document: { documentElement: { setAttribute(name: string, value: string): void } };
  sessionStorage: { getItem(key: string): string | null };
  localStorage: { getItem(key: string): string | null };
}

// playwright-core has no expect of its own: wait for the locator's state, or poll with vitest.
const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible' });
const text = (locator: Locator) => expect.poll(() => locator.textContent(), { timeout: 15_000 });

if (!existsSync(CHROMIUM)) console.warn(`console e2e skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!existsSync(CHROMIUM))('the console in Chromium', () => {
  let control: TestControl;
  let worker: AgentWorkerProcess;
  let llm: OpenAIChatServer;
  let crm: Server;
  let crmRequests: string[];
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const browserLog: string[] = [];

  beforeAll(async () => {
    await build({ configFile: join(desktopDir, 'vite.web.config.ts'), logLevel: 'warn' });
    llm = await startOpenAIChatServer((request) => {
      const text = lastUserText(request);
      if (text.includes('order')) {
        return lastIsToolResult(request)
          ? { text: 'Your order A-17 ships tomorrow.' }
          : { toolCall: { name: 'lookup_order', arguments: { order_id: 'A-17' } } };
      }
      return { text: `You said: ${text}` };
    });
    crmRequests = [];
    crm = createServer((req, res) => {
      crmRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ships tomorrow' }));
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    // The embedded issuer's users: an admin and a viewer with known passwords (normally the admin's is generated).
    dataDir = await mkdtemp(join(tmpdir(), 'speaknode-console-e2e-'));
    await writeFile(
      join(dataDir, 'console-users.json'),
      JSON.stringify({
        users: [
          { username: 'admin', passwordHash: await hashPassword(ADMIN_PASSWORD) },
          { username: 'viewer', passwordHash: await hashPassword(VIEWER_PASSWORD) },
        ],
      }),
      { mode: 0o600 },
    );
    const workerPort = await freePort();
    control = await startTestControl({
      env: {
        SPEAKNODE_DATA_DIR: dataDir,
        SPEAKNODE_CONSOLE_DIR: webDir,
        AGENT_URL: `http://127.0.0.1:${workerPort}`,
        AGENT_API_TOKEN: API_TOKEN,
      },
    });
    worker = await startAgentWorker({
      PORT: String(workerPort),
      CONTROL_URL: control.url,
      SPEAKNODE_OIDC_ISSUER: control.control.issuer,
      SPEAKNODE_SERVICE_CLIENT_ID: 'test-agent',
      SPEAKNODE_SERVICE_CLIENT_SECRET: 'test-agent-secret',
      AGENT_API_TOKEN: API_TOKEN,
      AGENT_CONFIG_CACHE_MS: '0',
    });
    await mkdir(screenshots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => browserLog.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`pageerror: ${error.message}`));
  }, 240_000);

  // A failure says where the page was and what it showed, with the browser's console.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !page) return;
    await page.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(
      `page at failure: ${page.url()}\n${await page
        .locator('body')
        .textContent()
        .catch(() => '')}`,
    );
    console.error(`browser console:\n${browserLog.join('\n')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await control?.close();
    await llm?.close();
    crm?.closeAllConnections();
    await new Promise<void>((resolve) => (crm ? crm.close(() => resolve()) : resolve()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(username: string, password: string) {
    await page.goto(`${control.url}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('button', { name: 'Sign out' }));
  }

  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    // oidc-provider asks before ending its session.
    await page.getByRole('button', { name: /yes/i }).click();
    await visible(page.getByRole('button', { name: 'Sign in' }));
  }

  async function shoot(name: string) {
    for (const theme of ['light', 'dark'] as const) {
      // Runs in the page (this file is typed for Node, hence the narrow casts).
      await page.evaluate((t) => {
        (globalThis as unknown as BrowserGlobals).document.documentElement.setAttribute('data-theme', t);
      }, theme);
      await page.screenshot({ path: join(screenshots, `${name}-${theme}.png`), fullPage: true });
    }
  }

  let agentPath = '';
  let toolPath = '';
  let callPath = '';

  it('signs in at the embedded issuer, creates a space, a tool and an agent, and chats with it', async () => {
    await page.goto(`${control.url}/console/`);
    await shoot('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByLabel('Username'));
    await shoot('login-page');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await text(page.getByRole('alert')).toMatch(/username or password is wrong/);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('button', { name: 'Sign out' }));
    await visible(page.getByText(/not a member of any space/));
    await shoot('spaces-empty');

    // A space whose tools may call the loopback stand-in CRM.
    await page.getByLabel('New space name').fill('Support');
    await page.getByRole('button', { name: 'Create space' }).click();
    await text(page.getByRole('combobox', { name: 'Space' })).toMatch(/Support/);
    await page.getByLabel('Tool host allow-list').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save space' }).click();
    await visible(page.getByText('Saved'));
    await page.getByLabel('Subject').fill('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await visible(page.getByRole('cell', { name: 'viewer', exact: true }));
    await shoot('spaces');

    await page.getByRole('link', { name: 'Tools' }).click();
    await visible(page.getByText(/No HTTP tools yet/));
    await page.getByRole('button', { name: 'New tool' }).click();
    await page.getByLabel('Tool name').fill('lookup_order');
    await page.getByLabel('Tool description').fill('Looks up an order by its id');
    await page.getByLabel('Method').selectOption('GET');
    await page
      .getByLabel('URL template')
      .fill(`http://127.0.0.1:${(crm.address() as AddressInfo).port}/orders/{order_id}`);
    await page
      .getByLabel('Parameters (JSON Schema)')
      .fill(JSON.stringify({ type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] }));
    await visible(page.locator('mark', { hasText: '{order_id}' }));
    await page.getByRole('button', { name: 'Create tool' }).click();
    await page.waitForURL(/#\/tools\/[0-9a-f-]{36}$/);
    toolPath = new URL(page.url()).hash;
    await shoot('tool-editor');

    await page.getByRole('link', { name: 'Agents' }).click();
    await visible(page.getByText(/No agents yet/));
    await shoot('agents-empty');
    await page.getByRole('button', { name: 'New agent' }).click();
    await page.getByLabel('Name *').fill('Order desk');
    await page.getByLabel('Prompt *').fill('You answer questions about orders.');
    await page.getByLabel('LLM base URL').fill(llm.url);
    // No model: the API refuses, and the builder shows why beside the field.
    await page.getByRole('button', { name: 'Create agent' }).click();
    const model = page.getByLabel('LLM model *');
    await expect.poll(() => model.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await model.getAttribute('aria-describedby');
    await text(page.locator(`[id="${describedBy}"]`)).toMatch(/.+/);
    await shoot('agent-validation-error');
    await model.fill('stand-in-model');
    await page.getByRole('checkbox', { name: /lookup_order/ }).check();
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.waitForURL(/#\/agents\/[0-9a-f-]{36}$/);
    agentPath = new URL(page.url()).hash;
    await text(page.getByLabel('Embed snippet')).toContain('speaknode-agent');
    await shoot('agent-builder');
    await page.getByRole('link', { name: 'Agents' }).click();
    await visible(page.getByRole('link', { name: 'Order desk' }));
    await shoot('agents');

    await page.getByRole('link', { name: 'Testing' }).click();
    await page.getByRole('button', { name: 'Start text conversation' }).click();
    await page.getByLabel('Message', { exact: true }).fill('Where is my order A-17?');
    await page.getByRole('button', { name: 'Send' }).click();
    const conversation = page.getByRole('list', { name: 'Conversation' });
    await text(conversation).toContain('lookup_order');
    await text(conversation).toContain('Your order A-17 ships tomorrow.');
    expect(crmRequests).toContain('/orders/A-17');
    await shoot('testing');
    await page.getByRole('button', { name: 'End conversation' }).click();
    await page.getByRole('link', { name: "Open this call's timeline" }).click();
    await page.waitForURL(/#\/calls\/[0-9a-f-]{36}$/);
    callPath = new URL(page.url()).hash;
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await text(timeline).toContain('Where is my order A-17?');
    await text(timeline).toContain('Your order A-17 ships tomorrow.');
    await text(page.getByRole('group', { name: 'Tool call lookup_order' })).toContain('A-17');
    await shoot('call-timeline');
    await page.getByRole('link', { name: '← Calls' }).click();
    await text(page.getByRole('table', { name: 'Calls' })).toContain('test');
    await shoot('calls');
    await page.getByRole('link', { name: 'Credentials' }).click();
    await visible(page.getByText(/No credentials yet/));
    await shoot('credentials');
    await signOut();
  }, 180_000);

  it('shows a viewer no edit controls, and the API refuses them anyway', async () => {
    await signIn('viewer', VIEWER_PASSWORD);
    await page.getByRole('link', { name: 'Agents' }).click();
    await visible(page.getByRole('link', { name: 'Order desk' }));
    expect(await page.getByRole('button', { name: 'New agent' }).count()).toBe(0);
    await page.goto(`${control.url}/console/${agentPath}`);
    await expect.poll(() => page.getByLabel('Name *').inputValue()).toBe('Order desk');
    await expect.poll(() => page.getByLabel('Name *').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save agent' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete agent' }).count()).toBe(0);
    await shoot('agent-as-viewer');
    await page.goto(`${control.url}/console/${toolPath}`);
    await expect.poll(() => page.getByLabel('Tool name *').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save tool' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Tools', exact: true }).click();
    expect(await page.getByRole('button', { name: 'New tool' }).count()).toBe(0);
    await page.goto(`${control.url}/console/${callPath}`);
    await text(page.getByRole('list', { name: 'Timeline' })).toContain('ships tomorrow');
    // The same request an editor's Save would send, with the viewer's own token: refused.
    const status = await page.evaluate(async (hash) => {
      const { sessionStorage, localStorage } = globalThis as unknown as BrowserGlobals;
      const tokens = JSON.parse(sessionStorage.getItem('speaknode.tokens') ?? '{}') as { accessToken?: string };
      const spaceId = localStorage.getItem('speaknode.space');
      const agentId = hash.split('/').pop();
      const response = await fetch(`/api/v1/spaces/${spaceId}/agents/${agentId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Hijacked' }),
      });
      return response.status;
    }, agentPath);
    expect(status).toBe(403);
  }, 120_000);
});
