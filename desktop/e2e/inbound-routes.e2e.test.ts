/**
 * The console's inbound webhook routes and a tool's Try it, end to end in Debian's Chromium: the
 * web build served by a real control (embedded PostgreSQL or DATABASE_URL; its embedded issuer's
 * login page), the real webhook receiver (in-process, its admin API reached through control's
 * `/webhooks/…`), and the real agent worker (a process) running the tool. Screenshots of each
 * page, light and dark, go to e2e/screenshots/ (gitignored).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The services' own test parts, reused: control's worker port helper, the receiver's harness.
import { freePort } from '../../services/control/src/testing/agent-worker-process.ts';
import { startTestReceiver, type TestReceiver } from '../../services/webhooks/src/testing/harness.ts';
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
const SIGNING_SECRET = 'crm-signing-secret-0123456789';

describe.skipIf(!chromiumPresent('inbound routes e2e'))('inbound webhook routes and Try it in Chromium', () => {
  let servers: ConsoleServers;
  let receiver: TestReceiver;
  let crm: Server;
  let crmRequests: string[];
  let ui: ConsoleBrowser;
  let page: ConsoleBrowser['page'];
  let shoot: ConsoleBrowser['shoot'];
  let controlUrl = '';

  beforeAll(async () => {
    crmRequests = [];
    crm = createServer((req, res) => {
      crmRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ships tomorrow' }));
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    const receiverPort = await freePort();
    servers = await startConsoleServers({
      outDir: 'web-e2e-inbound',
      users: [
        { username: 'admin', password: ADMIN_PASSWORD },
        { username: 'viewer', password: VIEWER_PASSWORD },
      ],
      env: { WEBHOOKS_URL: `http://127.0.0.1:${receiverPort}` },
      worker: true,
    });
    controlUrl = servers.control.url;
    // The receiver verifies the console user's token with control's issuer and asks control for the role.
    receiver = await startTestReceiver({
      port: receiverPort,
      controlUrl,
      publicBaseUrl: `http://127.0.0.1:${receiverPort}`,
      adminVerifier: new OidcVerifier({ issuer: servers.control.control.issuer, audience: 'speaknode-control' }),
    });
    ui = await openConsoleBrowser(controlUrl, { name: 'inbound' });
    ({ page, shoot } = ui);
  }, 240_000);

  afterEach((context) => ui?.reportFailure(context));

  afterAll(async () => {
    await ui?.close();
    await receiver?.close();
    await servers?.close();
    crm?.closeAllConnections();
    await new Promise<void>((resolve) => (crm ? crm.close(() => resolve()) : resolve()));
  });

  const signIn = (username: string, password: string) => ui.signIn(username, password);
  const signOut = () => ui.signOut();

  let routePath = '';

  it('tries a tool: refused by the address policy, then run once the space allows the host', async () => {
    await signIn('admin', ADMIN_PASSWORD);
    await page.getByLabel('New space name').fill('Support');
    await page.getByRole('button', { name: 'Create space' }).click();
    await text(page.getByRole('combobox', { name: 'Space' })).toMatch(/Support/);
    await page.getByLabel('Subject').fill('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await visible(page.getByRole('cell', { name: 'viewer', exact: true }));

    await page.getByRole('link', { name: 'Tools', exact: true }).click();
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
    await page.getByRole('button', { name: 'Create tool' }).click();
    await page.waitForURL(/#\/tools\/[0-9a-f-]{36}$/);
    const toolPath = new URL(page.url()).hash;

    const tryIt = page.getByRole('form', { name: 'Try it' });
    await tryIt.getByLabel('Sample arguments (JSON)').fill('{"order_id": "A-17"}');
    await tryIt.getByRole('button', { name: 'Run tool' }).click();
    // The space allows no private hosts yet: refused, nothing sent.
    await text(tryIt.getByRole('alert')).toMatch(/refused/);
    expect(crmRequests).toEqual([]);
    await shoot('tool-try-refused');

    await page.getByRole('link', { name: 'Spaces' }).click();
    await page.getByLabel('Tool host allow-list').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save space' }).click();
    await visible(page.getByText('Saved'));
    await page.goto(`${controlUrl}/console/${toolPath}`);
    await tryIt.getByLabel('Sample arguments (JSON)').fill('{"order_id": "A-17"}');
    await tryIt.getByRole('button', { name: 'Run tool' }).click();
    await text(tryIt.getByRole('region', { name: 'Tool answer' })).toContain('ships tomorrow');
    await text(tryIt.getByRole('region', { name: 'Tool request' })).toContain('/orders/A-17');
    expect(crmRequests).toEqual(['/orders/A-17']);
    await shoot('tool-try');

    // An unsaved change: Try it runs the saved tool, so it asks to save first.
    await page.getByLabel('Tool description').fill('Changed');
    await visible(tryIt.getByText('Save your changes first'));
    expect(await tryIt.getByRole('button', { name: 'Run tool' }).isDisabled()).toBe(true);
  }, 180_000);

  it('creates an inbound route (a validation error beside its field), receives a delivery, shows dead letters', async () => {
    await page.getByRole('link', { name: 'Inbound webhooks' }).click();
    await visible(page.getByText(/No inbound routes in this space yet/));
    await text(page.getByRole('region', { name: 'Dead letters' })).toMatch(/only a platform administrator/);
    await shoot('inbound-empty');

    await page.getByRole('button', { name: 'New route' }).click();
    await page.getByLabel('Route key *').fill('No');
    await page.getByLabel('Description').fill('CRM call outcomes');
    await page.getByLabel('Signature header').fill('X-Hub-Signature-256');
    await page.getByLabel('Signing secret').fill(SIGNING_SECRET);
    // The routing rule, field by field: calls that completed, with the sender's event id; the
    // filter's path mistyped first.
    const rule = page.getByRole('group', { name: 'Rule 1', exact: true });
    await rule.getByLabel('Rule name *').fill('completed calls');
    await rule.getByRole('button', { name: 'Add filter to rule 1' }).click();
    const filter = rule.getByRole('group', { name: 'Rule 1 filter 1' });
    await filter.getByLabel('Field path').fill('the type');
    await filter.getByLabel('Value').fill('call.completed');
    await rule.getByLabel('Event id path').fill('id');
    await page.getByRole('button', { name: 'Create route' }).click();
    const describedBy = async (field: ReturnType<typeof page.getByLabel>) =>
      page.locator(`[id="${await field.getAttribute('aria-describedby')}"]`);
    const keyField = page.getByLabel('Route key *');
    await expect.poll(() => keyField.getAttribute('aria-invalid')).toBe('true');
    await text(await describedBy(keyField)).toMatch(/3–64 characters/);
    const pathField = filter.getByLabel('Field path');
    await expect.poll(() => pathField.getAttribute('aria-invalid')).toBe('true');
    await text(await describedBy(pathField)).toMatch(/dotted path/);
    await shoot('inbound-route-validation-error');
    await keyField.fill('crm-events');
    await pathField.fill('type');
    await page.getByRole('button', { name: 'Create route' }).click();
    await page.waitForURL(/#\/inbound\/crm-events$/);
    routePath = new URL(page.url()).hash;
    await text(page.getByLabel('Route address')).toBe(`${receiver.url}/in/crm-events`);
    await visible(page.getByText(/Nothing received since the receiver started/));

    // The sender posts, signed, and once unsigned.
    const body = JSON.stringify({ type: 'call.completed', id: 'evt-1' });
    const signature = `sha256=${createHmac('sha256', SIGNING_SECRET).update(body).digest('hex')}`;
    const post = (headers: Record<string, string>) =>
      fetch(`${receiver.url}/in/crm-events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    expect((await post({ 'x-hub-signature-256': signature })).status).toBe(202);
    expect((await post({ 'x-hub-signature-256': 'sha256=00' })).status).toBe(403);
    await page.getByRole('button', { name: 'Refresh deliveries' }).click();
    const deliveries = page.getByRole('table', { name: 'Recent deliveries' });
    await text(deliveries).toContain('inbound:crm-events:evt-1');
    await text(deliveries).toContain('unauthorized');
    await shoot('inbound-route');

    // A saved change: the secret stays (not sent back), the description changes.
    await page.getByLabel('Description').fill('CRM call outcomes (prod)');
    await page.getByRole('button', { name: 'Save route' }).click();
    await visible(page.getByText('Saved.'));
    expect((await post({ 'x-hub-signature-256': signature })).status).toBe(202);

    await page.getByRole('link', { name: '← Inbound webhooks' }).click();
    await text(page.getByRole('table', { name: 'Inbound routes' })).toContain('CRM call outcomes (prod)');
    await shoot('inbound-routes');
    await signOut();
  }, 180_000);

  it('shows a viewer the route without edit controls', async () => {
    await signIn('viewer', VIEWER_PASSWORD);
    await page.goto(`${controlUrl}/console/${routePath}`);
    await text(page.getByLabel('Route address')).toContain('/in/crm-events');
    await expect.poll(() => page.getByLabel('Description').getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('button', { name: 'Save route' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete route' }).count()).toBe(0);
    await shoot('inbound-route-as-viewer');
  }, 120_000);
});
