/**
 * The console's Campaigns pages end to end, in Debian's Chromium against the web build served by a
 * real control whose dialler runs on its own timer, placing calls through Twilio's REST API (the
 * official `twilio` package against control's local Twilio fake) and LiveKit's Twirp API (control's
 * fake). The callee's side is Twilio's status callbacks, handed to control's call lifecycle as the
 * webhook receiver would. Sign-in and the control start are copied from admin-pages.e2e.test.ts
 * (a shared harness is on its way). Screenshots, light and dark, go to
 * e2e/screenshots/campaigns-*.png (gitignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '@speaknode/runtime/embedded-issuer';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  type CampaignWorld,
  callIdOfTwiml,
  LK_KEY,
  LK_SECRET,
  twilioStatus,
} from '../../services/control/src/campaigns/testing/campaign-setup.ts';
import { FakeLivekitServer } from '../../services/control/src/livekit/testing/fake-livekit-server.ts';
import { FakeTwilioServer } from '../../services/control/src/outbound/testing/fake-twilio-server.ts';
import { agentBody } from '../../services/control/src/testing/fixtures.ts';
import { startTestControl, type TestControl } from '../../services/control/src/testing/harness.ts';

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
const ADMIN_PASSWORD = 'campaigns-e2e-admin-password';
const VIEWER_PASSWORD = 'campaigns-e2e-viewer-password';
/** Three good rows, one number libphonenumber refuses (line 4), one without the agent’s {{first_name}} (line 5). */
const CSV = [
  'phone,First name,notes',
  '+442079460001,Ada,likes mornings',
  '+442079460002,Bob,',
  '12345,Cy,',
  '+442079460003,,no name',
  '+442079460004,Dee,"calls back, often"',
].join('\n');

interface BrowserGlobals {
  document: { documentElement: { setAttribute(name: string, value: string): void } };
  sessionStorage: { getItem(key: string): string | null };
  localStorage: { getItem(key: string): string | null };
}

const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible' });
const text = (locator: Locator) => expect.poll(() => locator.textContent(), { timeout: 20_000 });

if (!existsSync(CHROMIUM)) console.warn(`console campaigns e2e skipped: no Chromium at ${CHROMIUM}`);

describe.skipIf(!existsSync(CHROMIUM))('the console’s Campaigns pages in Chromium', () => {
  let control: TestControl;
  let lk: FakeLivekitServer;
  let tw: FakeTwilioServer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let campaignUrl = '';
  const browserLog: string[] = [];

  beforeAll(async () => {
    await build({ configFile: join(desktopDir, 'vite.web.config.ts'), logLevel: 'warn' });
    lk = await new FakeLivekitServer(LK_KEY, LK_SECRET).start();
    tw = await new FakeTwilioServer({ [ACCOUNT_SID]: AUTH_TOKEN }).start();
    dataDir = await mkdtemp(join(tmpdir(), 'speaknode-console-campaigns-e2e-'));
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
    control = await startTestControl({
      env: {
        SPEAKNODE_DATA_DIR: dataDir,
        SPEAKNODE_CONSOLE_DIR: webDir,
        LIVEKIT_URL: lk.url,
        LIVEKIT_API_KEY: LK_KEY,
        LIVEKIT_API_SECRET: LK_SECRET,
        TWILIO_API_URL: tw.url,
        WEBHOOKS_PUBLIC_URL: 'https://hooks.speaknode.example',
        BRIDGE_PUBLIC_URL: 'wss://media.speaknode.example',
      },
      // The dialler on its own timer, as in production, a little faster.
      start: { settings: { campaignDialMs: 200 } },
    });
    await mkdir(screenshots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => browserLog.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => void dialog.accept());
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !page) return;
    await page.screenshot({ path: join(screenshots, 'campaigns-failure.png'), fullPage: true }).catch(() => {});
    console.error(
      `page at failure: ${page.url()}\n${await page
        .locator('main')
        .textContent()
        .catch(() => '')}`,
    );
    console.error(`browser console:\n${browserLog.join('\n')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await control?.close();
    await lk?.stop();
    await tw?.stop();
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
    await page.getByRole('button', { name: /yes/i }).click();
    await visible(page.getByRole('button', { name: 'Sign in' }));
  }

  async function shoot(name: string) {
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((t) => {
        (globalThis as unknown as BrowserGlobals).document.documentElement.setAttribute('data-theme', t);
      }, theme);
      await page.screenshot({ path: join(screenshots, `campaigns-${name}-${theme}.png`), fullPage: true });
    }
  }

  /** A request with the signed-in user’s own token, from the page (what a hand-made request would do). */
  async function apiFromPage(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: { id: string } }> {
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
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      },
      { method, path, body },
    );
  }

  /** The callee’s side of one Twilio call, as Twilio’s status callbacks report it. */
  const world = () => ({ t: control }) as unknown as CampaignWorld;
  async function calleeDoes(index: number, outcome: 'completed' | 'busy') {
    const call = tw.calls[index]!;
    if (outcome === 'completed') await twilioStatus(world(), call.sid, 'in-progress');
    await twilioStatus(world(), call.sid, outcome);
  }

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });
  const counts = () => page.getByRole('list', { name: 'Contacts by status' });

  it('lets an admin create a campaign from a CSV, start, pause and resume it, watch it finish and export the results', async () => {
    await signIn('admin', ADMIN_PASSWORD);
    await page.getByLabel('New space name').fill('Outreach');
    await page.getByRole('button', { name: 'Create space' }).click();
    await text(page.getByRole('combobox', { name: 'Space' })).toMatch(/Outreach/);
    await page.getByLabel('Subject').fill('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await visible(page.getByRole('cell', { name: 'viewer', exact: true }));

    // Before there is an agent or a number, the form says what it needs.
    await nav('Campaigns').click();
    await visible(page.getByText(/No campaigns yet. Create one below/));
    await visible(page.getByText(/A campaign needs an agent and a phone number/));
    await shoot('empty');

    const llm = await apiFromPage('POST', '/credentials', { name: 'LLM', kind: 'openai', secret: 'sk-e2e-1234567890' });
    const twilio = await apiFromPage('POST', '/credentials', {
      name: 'Twilio',
      kind: 'twilio',
      secret: AUTH_TOKEN,
      settings: { accountSid: ACCOUNT_SID },
    });
    const agent = await apiFromPage(
      'POST',
      '/agents',
      agentBody(llm.body.id, {
        name: 'Reminder agent',
        prompt: 'You call {{first_name}} to confirm the appointment.',
        greeting: 'Hi {{first_name}}!',
      }),
    );
    expect(agent.status).toBe(201);
    const number = await apiFromPage('POST', '/phone-numbers', {
      provider: 'twilio',
      number: '+14155550301',
      mode: 'stream',
      agentId: agent.body.id,
      credentialId: twilio.body.id,
    });
    expect(number.status).toBe(201);

    await nav('Calls').click();
    await nav('Campaigns').click();
    await expect
      .poll(() => page.getByLabel('Agent', { exact: true }).locator('option').allTextContents())
      .toEqual(['Reminder agent']);
    await page.getByLabel('Name *').fill('Appointment reminders');
    await page
      .getByLabel('CSV file, with a header line')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    // The mapping, guessed from the header: phone is the number, the other columns variables.
    await expect.poll(() => page.getByLabel('Number column').inputValue()).toBe('phone');
    await expect.poll(() => page.getByLabel('Variable name for First name').inputValue()).toBe('first_name');
    await page.getByLabel('Use notes as a variable').uncheck();
    const preview = page.getByRole('table', { name: 'Preview of the first rows' });
    await text(preview.locator('thead')).toBe('LineNumber{{first_name}}');
    await text(preview.locator('tbody tr').first()).toBe('2+442079460001Ada');
    await page.getByLabel('Time zone').fill('UTC');
    for (const day of ['Sat', 'Sun']) await page.getByRole('checkbox', { name: day, exact: true }).check();
    await page.getByLabel('Calls start at').fill('00:00');
    await page.getByLabel('No call starts after').fill('24:00');
    await page.getByLabel('Tries per contact').fill('1');

    // A cap the API refuses: its message shows beside the field, and nothing is created.
    const cap = page.getByLabel('Calls at once');
    await cap.fill('900');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => cap.getAttribute('aria-invalid')).toBe('true');
    await text(page.locator(`[id="${await cap.getAttribute('aria-describedby')}"]`)).toMatch(/500/);
    await shoot('validation-error');
    await cap.fill('2');
    await page.getByRole('button', { name: 'Create campaign' }).click();

    // The draft exists; the rows the API refused are listed with their lines and reasons.
    await visible(page.getByRole('heading', { name: 'Created “Appointment reminders” (a draft)' }));
    await visible(page.getByText('Imported 3 of 5 rows; 2 refused.'));
    const refused = page.getByRole('table', { name: 'Refused rows' });
    await expect.poll(() => refused.locator('tbody tr td:first-child').allTextContents()).toEqual(['4', '5']);
    await text(refused.locator('tbody tr').first()).toMatch(/12345/);
    await text(refused.locator('tbody tr').nth(1)).toMatch(/first_name/);
    await text(page.getByRole('table', { name: 'Campaigns' })).toContain('0 / 3 done');
    await shoot('created');

    await page.getByRole('link', { name: 'Open the campaign' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
    campaignUrl = page.url();
    const status = page.getByRole('status', { name: 'Campaign status' });
    await text(status).toBe('Draft');
    await text(page.getByRole('table', { name: 'Contacts' })).toContain('+442079460004');
    await page.getByRole('button', { name: 'Start' }).click();
    await text(status).toBe('Running');

    // The cap is two: two calls ring, the third contact waits.
    await expect.poll(() => tw.calls.length, { timeout: 20_000 }).toBe(2);
    await text(counts()).toMatch(/2\s*Dialling/);
    await shoot('running');

    // Paused: the first call ends answered; its place is not given to the third contact.
    await page.getByRole('button', { name: 'Pause' }).click();
    await text(status).toBe('Paused');
    await calleeDoes(0, 'completed');
    await text(counts()).toMatch(/1\s*Completed/);
    expect(tw.calls.length).toBe(2);

    await page.getByRole('button', { name: 'Resume' }).click();
    await text(status).toBe('Running');
    await expect.poll(() => tw.calls.length, { timeout: 20_000 }).toBe(3);
    await calleeDoes(1, 'busy');
    await calleeDoes(2, 'completed');
    await text(status).toBe('Completed');
    await text(counts()).toMatch(/2\s*Completed/);
    await text(counts()).toMatch(/1\s*Failed/);
    const contacts = page.getByRole('table', { name: 'Contacts' });
    await text(contacts).toContain('Busy');
    await shoot('completed');

    // Each contact’s call links to its timeline.
    const busyCallId = callIdOfTwiml(tw.calls[1]!.params.Twiml?.[0]);
    const busyNumber = tw.calls[1]!.params.To?.[0];
    const link = page.getByRole('link', { name: `Timeline of call 1 to ${busyNumber}` });
    expect(await link.getAttribute('href')).toBe(`#/calls/${busyCallId}`);

    // The results CSV, downloaded with the user’s token.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export results (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^campaign-[0-9a-f-]{36}-results\.csv$/);
    const results = await readFile((await download.path())!, 'utf8');
    expect(results.split('\n')[0]).toMatch(/^line,number,status/);
    expect(results).toContain(`${busyNumber},failed`);
    expect(results).toContain(busyCallId);

    await link.click();
    await page.waitForURL(new RegExp(`#/calls/${busyCallId}$`));
    await visible(page.getByText(busyNumber!));

    // A second campaign from the same list, cancelled before it starts.
    await nav('Campaigns').click();
    await page.getByLabel('Name *').fill('Spare list');
    await page
      .getByLabel('CSV file, with a header line')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('link', { name: 'Open the campaign' }).click();
    await text(status).toBe('Draft');
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await text(status).toBe('Cancelled');
    expect(await page.getByRole('button', { name: 'Start' }).count()).toBe(0);
    await nav('Campaigns').click();
    await shoot('list');
    await signOut();
  }, 240_000);

  it('shows a viewer the campaign and its contacts without edit controls, and the API refuses them anyway', async () => {
    await signIn('viewer', VIEWER_PASSWORD);
    await nav('Campaigns').click();
    await visible(page.getByRole('link', { name: 'Appointment reminders' }));
    expect(await page.getByRole('form', { name: 'New campaign' }).count()).toBe(0);
    await page.goto(campaignUrl);
    await text(page.getByRole('status', { name: 'Campaign status' })).toBe('Completed');
    await text(page.getByRole('table', { name: 'Contacts' })).toContain('+442079460001');
    expect(await page.getByRole('group', { name: 'Campaign actions' }).count()).toBe(0);
    await visible(page.getByRole('button', { name: 'Export results (CSV)' }));
    await shoot('as-viewer');
    const campaignId = campaignUrl.split('/').at(-1);
    expect((await apiFromPage('POST', `/campaigns/${campaignId}/cancel`)).status).toBe(403);
    expect((await apiFromPage('POST', '/campaigns', { name: 'Sneaky' })).status).toBe(403);
  }, 120_000);
});
