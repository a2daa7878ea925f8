/**
 * The console end to end, in Debian's Chromium (playwright-core) against its web build served by a
 * real control (embedded PostgreSQL or DATABASE_URL, its embedded issuer's login page) and the real
 * agent worker (a process) with control's OpenAI-compatible stand-in LLM, which calls the tool.
 * Voice on the Testing page runs with Chromium's fake microphone up to the LiveKit connection, which
 * fails here (control's LiveKit is a stand-in of its room API, with no signalling), like the widget's.
 * Screenshots of every page, light and dark, go to e2e/screenshots/ (gitignored).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeLivekitServer } from '../../services/control/src/livekit/testing/fake-livekit-server.ts';
// Control's own test parts (the stand-in LLM and LiveKit room API): reused, not copied.
import {
  lastIsToolResult,
  lastUserText,
  type OpenAIChatServer,
  startOpenAIChatServer,
} from '../../services/control/src/testing/openai-chat-server.ts';
import {
  type ConsoleBrowser,
  type ConsoleServers,
  chromiumPresent,
  openConsoleBrowser,
  startConsoleServers,
  text,
  visible,
} from './console-harness.ts';

const ADMIN_PASSWORD = 'admin-e2e-password';
const VIEWER_PASSWORD = 'viewer-e2e-password';
const LIVEKIT_KEY = 'console-e2e-livekit-key';
const LIVEKIT_SECRET = 'console-e2e-livekit-secret-0123456789abcdef';

describe.skipIf(!chromiumPresent('console e2e'))('the console in Chromium', () => {
  let servers: ConsoleServers;
  let llm: OpenAIChatServer;
  let livekit: FakeLivekitServer;
  let crm: Server;
  let crmRequests: string[];
  let ui: ConsoleBrowser;
  let page: ConsoleBrowser['page'];
  let shoot: ConsoleBrowser['shoot'];
  let controlUrl = '';

  beforeAll(async () => {
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
    // LiveKit's room API stood in (no signalling): control makes voice test sessions, the browser cannot join.
    livekit = await new FakeLivekitServer(LIVEKIT_KEY, LIVEKIT_SECRET).start();
    servers = await startConsoleServers({
      outDir: 'web-e2e-console',
      users: [
        { username: 'admin', password: ADMIN_PASSWORD },
        { username: 'viewer', password: VIEWER_PASSWORD },
      ],
      env: {
        LIVEKIT_URL: livekit.url.replace(/^http/, 'ws'),
        LIVEKIT_API_KEY: LIVEKIT_KEY,
        LIVEKIT_API_SECRET: LIVEKIT_SECRET,
      },
      worker: true,
    });
    controlUrl = servers.control.url;
    ui = await openConsoleBrowser(controlUrl, { name: 'console', fakeMedia: true });
    ({ page, shoot } = ui);
  }, 240_000);

  // A failure says where the page was and what it showed, with the browser's console.
  afterEach((context) => ui?.reportFailure(context));

  afterAll(async () => {
    await ui?.close();
    await servers?.close();
    await llm?.close();
    await livekit?.stop();
    crm?.closeAllConnections();
    await new Promise<void>((resolve) => (crm ? crm.close(() => resolve()) : resolve()));
  });

  let agentPath = '';
  let toolPath = '';
  let callPath = '';

  it('signs in at the embedded issuer, creates a space, a tool and an agent, and chats with it', async () => {
    await page.goto(`${controlUrl}/console/`);
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
    await ui.signOut();
  }, 180_000);

  it('talks to the agent by voice up to the LiveKit connection, which fails here with its message', async () => {
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    const isVoiceChunk = (path: string) => /\/console\/assets\/voice-room-[\w-]+\.js$/.test(path);
    await ui.signIn('admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Testing' }).click();
    const start = page.getByRole('button', { name: 'Start voice conversation' });
    await expect.poll(() => start.isEnabled()).toBe(true);
    // livekit-client is its own chunk, fetched only when a voice test starts.
    expect(scripts.filter(isVoiceChunk)).toEqual([]);
    await start.click();
    await text(page.getByRole('alert')).toMatch(
      /^Could not connect to LiveKit at ws:\/\/127\.0\.0\.1:\d+ \(.+\)\. Check that/,
    );
    await text(page.getByRole('status', { name: 'Voice status' })).toContain('The voice conversation could not start.');
    expect(scripts.filter(isVoiceChunk)).toHaveLength(1);
    // Control made the test session's call before the browser tried the room: its timeline link is there.
    await visible(page.getByRole('link', { name: "Open this call's timeline" }));
    await expect.poll(() => start.isEnabled()).toBe(true);
    await shoot('testing-voice-failed');
    await ui.signOut();
  }, 120_000);

  it('shows a viewer no edit controls, and the API refuses them anyway', async () => {
    await ui.signIn('viewer', VIEWER_PASSWORD);
    await page.getByRole('link', { name: 'Agents' }).click();
    await visible(page.getByRole('link', { name: 'Order desk' }));
    expect(await page.getByRole('button', { name: 'New agent' }).count()).toBe(0);
    await page.goto(`${controlUrl}/console/${agentPath}`);
    await expect.poll(() => page.getByLabel('Name *').inputValue()).toBe('Order desk');
    await expect.poll(() => page.getByLabel('Name *').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save agent' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete agent' }).count()).toBe(0);
    await shoot('agent-as-viewer');
    await page.goto(`${controlUrl}/console/${toolPath}`);
    await expect.poll(() => page.getByLabel('Tool name *').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save tool' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Tools', exact: true }).click();
    expect(await page.getByRole('button', { name: 'New tool' }).count()).toBe(0);
    await page.goto(`${controlUrl}/console/${callPath}`);
    await text(page.getByRole('list', { name: 'Timeline' })).toContain('ships tomorrow');
    // The same request an editor's Save would send, with the viewer's own token: refused.
    const status = await ui.apiAsUser('PATCH', `/agents/${agentPath.split('/').pop()}`, { name: 'Hijacked' });
    expect(status).toBe(403);
  }, 120_000);
});
