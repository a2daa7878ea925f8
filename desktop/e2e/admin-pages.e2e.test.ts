/**
 * The console's admin pages end to end (phone numbers, webhook subscriptions with their delivery
 * log, API keys, audit log, usage and billing), in Debian's Chromium against the web build served
 * by a real control and the real agent worker with control's stand-in LLM, like console.e2e.test.ts.
 * A text conversation on the Testing page makes the call whose usage and webhook deliveries the
 * pages then show; a local endpoint refuses the first delivery so the log has a retry to show.
 * Screenshots, light and dark, go to e2e/screenshots/admin-*.png (gitignored).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  lastUserText,
  type OpenAIChatServer,
  startOpenAIChatServer,
} from '../../services/control/src/testing/openai-chat-server.ts';
import {
  type BrowserGlobals,
  type ConsoleBrowser,
  type ConsoleServers,
  chromiumPresent,
  openConsoleBrowser,
  startConsoleServers,
  text as textOf,
  visible,
} from './console-harness.ts';

const ADMIN_PASSWORD = 'admin-pages-e2e-password';
const VIEWER_PASSWORD = 'viewer-pages-e2e-password';
const text = (locator: Parameters<typeof textOf>[0]) => textOf(locator, 20_000);

describe.skipIf(!chromiumPresent('console admin pages e2e'))('the console’s admin pages in Chromium', () => {
  let servers: ConsoleServers;
  let llm: OpenAIChatServer;
  let hooks: Server;
  let hookRequests: Array<{ type: string; status: number }>;
  let ui: ConsoleBrowser;
  let page: ConsoleBrowser['page'];
  let shoot: ConsoleBrowser['shoot'];
  let controlUrl = '';
  let apiKey = '';

  beforeAll(async () => {
    llm = await startOpenAIChatServer((request) => ({ text: `You said: ${lastUserText(request)}` }));
    // The customer's webhook endpoint: refuses its first delivery (a retry to show), then takes them.
    hookRequests = [];
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const status = hookRequests.length === 0 ? 500 : 204;
        hookRequests.push({ type: (JSON.parse(body || '{}') as { type?: string }).type ?? '', status });
        res.writeHead(status).end(status === 500 ? 'not ready yet' : undefined);
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    servers = await startConsoleServers({
      outDir: 'web-e2e-admin',
      users: [
        { username: 'admin', password: ADMIN_PASSWORD },
        { username: 'viewer', password: VIEWER_PASSWORD },
      ],
      env: {
        WEBHOOKS_PUBLIC_URL: 'https://hooks.speaknode.example',
        BRIDGE_PUBLIC_URL: 'wss://media.speaknode.example',
      },
      start: { settings: { deliveryPollMs: 100 } },
      worker: true,
    });
    controlUrl = servers.control.url;
    ui = await openConsoleBrowser(controlUrl, { name: 'admin', screenshotPrefix: 'admin-', timeoutMs: 20_000 });
    ({ page, shoot } = ui);
  }, 240_000);

  afterEach((context) => ui?.reportFailure(context));

  afterAll(async () => {
    await ui?.close();
    await servers?.close();
    await llm?.close();
    hooks?.closeAllConnections();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
  });

  const signIn = (username: string, password: string) => ui.signIn(username, password);
  const signOut = () => ui.signOut();
  const apiFromPage = (method: string, path: string, body?: unknown) => ui.apiAsUser(method, path, body);

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });

  it('lets an admin attach a number, subscribe a webhook, create a key, and read the log and the usage', async () => {
    await signIn('admin', ADMIN_PASSWORD);
    await page.getByLabel('New space name').fill('Operations');
    await page.getByRole('button', { name: 'Create space' }).click();
    await text(page.getByRole('combobox', { name: 'Space' })).toMatch(/Operations/);
    await page.getByLabel('Subject').fill('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await visible(page.getByRole('cell', { name: 'viewer', exact: true }));
    // The webhook endpoint listens on loopback: the space allow-lists it (https only otherwise).
    expect(await apiFromPage('PATCH', '', { webhookHostAllowList: ['127.0.0.1'] })).toBe(200);

    // Phone numbers, before there is an agent: the form says to create one.
    await nav('Phone numbers').click();
    await visible(page.getByText(/No numbers yet. Add one below/));
    await visible(page.getByText(/needs an agent to answer it/));
    await shoot('phone-numbers-empty');

    await nav('Agents').click();
    await page.getByRole('button', { name: 'New agent' }).click();
    await page.getByLabel('Name *').fill('Front desk');
    await page.getByLabel('Prompt *').fill('You greet callers.');
    await page.getByLabel('LLM base URL').fill(llm.url);
    await page.getByLabel('LLM model *').fill('stand-in-model');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.waitForURL(/#\/agents\/[0-9a-f-]{36}$/);

    await nav('Phone numbers').click();
    await expect
      .poll(() => page.getByLabel('Answering agent').locator('option').allTextContents())
      .toEqual(['Front desk']);
    // A number that is not E.164: the API's message shows beside the field.
    await page.getByLabel('Number (E.164) *').fill('555-0123');
    await page.getByRole('button', { name: 'Add number' }).click();
    const numberField = page.getByLabel('Number (E.164) *');
    await expect.poll(() => numberField.getAttribute('aria-invalid')).toBe('true');
    await text(page.locator(`[id="${await numberField.getAttribute('aria-describedby')}"]`)).toMatch(/.+/);
    await shoot('phone-numbers-validation-error');
    await numberField.fill('+14155550123');
    await page.getByRole('button', { name: 'Add number' }).click();
    const setup = page.getByRole('region', { name: 'What to paste into Twilio’s console' });
    await text(setup).toContain('https://hooks.speaknode.example/twilio/voice');
    await text(setup).toContain('wss://media.speaknode.example/twilio');
    await text(page.getByRole('table', { name: 'Phone numbers' })).toContain('+14155550123');
    await shoot('phone-numbers');

    // Webhooks: subscribe the local endpoint to call.ended; its secret shows once.
    await nav('Webhooks').click();
    await visible(page.getByText(/No subscriptions yet/));
    await shoot('webhooks-empty');
    const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/speaknode`;
    await page.getByLabel('Endpoint URL *').fill(hookUrl);
    await page.getByLabel('Description').fill('CRM');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const secret = page.getByLabel(`Signing secret for ${hookUrl}`, { exact: true });
    await expect.poll(() => secret.inputValue()).toMatch(/^whsec_/);
    await shoot('webhooks-secret-once');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByLabel(`Signing secret for ${hookUrl}`, { exact: true }).count()).toBe(0);
    await text(page.getByRole('table', { name: 'Webhook subscriptions' })).toContain('call.ended');

    // API keys: the key shows once; after it is used, “last used” says when.
    await nav('API keys').click();
    await visible(page.getByText(/No API keys yet/));
    await page.getByLabel('Key name *').fill('Reporting');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = page.getByLabel('New API key “Reporting”', { exact: true });
    await expect.poll(() => key.inputValue()).toMatch(/.{20,}/);
    apiKey = await key.inputValue();
    await shoot('api-keys-secret-once');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    const keys = page.getByRole('table', { name: 'API keys' });
    await text(keys).toContain('Never');
    const spaceId = await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).localStorage.getItem('speaknode.space'),
    );
    const withKey = await fetch(`${controlUrl}/api/v1/spaces/${spaceId}/agents`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(withKey.status).toBe(200);
    await expect
      .poll(async () => {
        await nav('Audit log').click();
        await nav('API keys').click();
        return keys.textContent();
      })
      .not.toContain('Never');
    await shoot('api-keys');

    // A call: a text conversation on the Testing page, ended, so usage is reported and call.ended goes out.
    await nav('Testing').click();
    // This control has no LiveKit: the page says voice needs it, and offers text only.
    await text(page.getByRole('note')).toMatch(/Voice testing needs LiveKit, and control has none configured/);
    expect(await page.getByRole('button', { name: 'Start voice conversation' }).count()).toBe(0);
    await shoot('testing-without-livekit');
    await page.getByRole('button', { name: 'Start text conversation' }).click();
    await page.getByLabel('Message', { exact: true }).fill('Hello there');
    await page.getByRole('button', { name: 'Send' }).click();
    await text(page.getByRole('list', { name: 'Conversation' })).toContain('You said: Hello there');
    await page.getByRole('button', { name: 'End conversation' }).click();
    await visible(page.getByRole('link', { name: "Open this call's timeline" }));

    // The delivery log: refused once (500), then delivered on the retry; replay sends it again.
    await expect.poll(() => hookRequests.map((r) => r.status), { timeout: 60_000 }).toEqual([500, 204]);
    await nav('Webhooks').click();
    await page.getByRole('link', { name: `Deliveries to ${hookUrl}` }).click();
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await text(deliveries).toContain('delivered');
    await page.getByRole('button', { name: /^Attempts of call.ended/ }).click();
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await text(attempts).toContain('not ready yet');
    await text(attempts).toContain('delivered');
    await shoot('webhook-deliveries');
    await page.getByRole('button', { name: /^Replay call.ended/ }).click();
    await visible(page.getByText(/Queued again/));
    await expect.poll(() => hookRequests.length, { timeout: 30_000 }).toBe(3);
    expect(hookRequests.every((r) => r.type === 'call.ended')).toBe(true);

    // The audit log: who created what, and an update's fields before and after.
    await nav('Audit log').click();
    const audit = page.getByRole('table', { name: 'Audit log' });
    await text(audit).toContain('created phone number');
    await text(audit).toContain('created webhook');
    await text(audit).toContain('created api key');
    await text(audit).toContain('updated space');
    await page
      .getByRole('button', { name: /^Details of updated space/ })
      .first()
      .click();
    await text(page.getByRole('table', { name: 'Changed fields' })).toContain('webhookHostAllowList');
    await shoot('audit');
    await page.getByLabel('Resource').selectOption('api_key');
    await expect.poll(() => audit.locator('tbody > tr').count()).toBe(1);

    // Usage: the conversation's call, by agent; Lago is not configured here, and the page says so.
    await nav('Usage').click();
    await text(page.getByRole('list', { name: 'Totals' })).toMatch(/1\s*calls/);
    await text(page.getByRole('table', { name: 'Usage by agent' })).toContain('Front desk');
    await visible(page.getByText(/Billing is not configured/));
    await shoot('usage');
    await signOut();
  }, 240_000);

  it('shows a viewer the admin pages without edit controls, and the API refuses them anyway', async () => {
    await signIn('viewer', VIEWER_PASSWORD);
    await nav('Phone numbers').click();
    await text(page.getByRole('table', { name: 'Phone numbers' })).toContain('+14155550123');
    expect(await page.getByRole('form', { name: 'Add a phone number' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Detach/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Provider setup for +14155550123' }).click();
    await text(page.getByRole('region', { name: 'What to paste into Twilio’s console' })).toContain('/twilio/voice');
    await shoot('phone-numbers-as-viewer');
    await nav('Webhooks').click();
    await visible(page.getByText('Admins see deliveries'));
    expect(await page.getByRole('button', { name: 'Subscribe' }).count()).toBe(0);
    await nav('API keys').click();
    await text(page.getByRole('table', { name: 'API keys' })).toContain('Reporting');
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await nav('Usage').click();
    // Without Lago a viewer reads the same note as the admin (the plan and invoices are admin-only).
    await visible(page.getByText(/Billing is not configured/));
    await text(page.getByRole('table', { name: 'Usage by agent' })).toContain('Front desk');
    await nav('Audit log').click();
    await text(page.getByRole('table', { name: 'Audit log' })).toContain('created api key');
    expect(await apiFromPage('POST', '/api-keys', { name: 'Sneaky', role: 'admin' })).toBe(403);
    expect(await apiFromPage('POST', '/webhooks', { url: 'https://example.com/x' })).toBe(403);
    expect(await apiFromPage('GET', '/billing')).toBe(403);
  }, 120_000);
});
