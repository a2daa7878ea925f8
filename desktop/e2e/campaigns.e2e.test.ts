/**
 * The console's Campaigns pages end to end, in Debian's Chromium against the web build served by a
 * real control whose dialler runs on its own timer, placing calls through Twilio's REST API (the
 * official `twilio` package against control's local Twilio fake) and LiveKit's Twirp API (control's
 * fake). The callee's side is Twilio's status callbacks, handed to control's call lifecycle as the
 * webhook receiver would. The build, control, Chromium and sign-in come from console-harness.ts.
 * Screenshots, light and dark, go to e2e/screenshots/campaigns-*.png (gitignored).
 */
import { readFile } from 'node:fs/promises';
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

const text = (locator: Parameters<typeof textOf>[0]) => textOf(locator, 20_000);

describe.skipIf(!chromiumPresent('console campaigns e2e'))('the console’s Campaigns pages in Chromium', () => {
  let servers: ConsoleServers;
  let control: ConsoleServers['control'];
  let lk: FakeLivekitServer;
  let tw: FakeTwilioServer;
  let ui: ConsoleBrowser;
  let page: ConsoleBrowser['page'];
  let shoot: ConsoleBrowser['shoot'];
  let campaignUrl = '';

  beforeAll(async () => {
    lk = await new FakeLivekitServer(LK_KEY, LK_SECRET).start();
    tw = await new FakeTwilioServer({ [ACCOUNT_SID]: AUTH_TOKEN }).start();
    servers = await startConsoleServers({
      outDir: 'web-e2e-campaigns',
      users: [
        { username: 'admin', password: ADMIN_PASSWORD },
        { username: 'viewer', password: VIEWER_PASSWORD },
      ],
      env: {
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
    control = servers.control;
    ui = await openConsoleBrowser(control.url, {
      name: 'campaigns',
      screenshotPrefix: 'campaigns-',
      viewport: { width: 1280, height: 800 },
      timeoutMs: 20_000,
    });
    ({ page, shoot } = ui);
    page.on('dialog', (dialog) => void dialog.accept());
  }, 240_000);

  afterEach((context) => ui?.reportFailure(context));

  afterAll(async () => {
    await ui?.close();
    await servers?.close();
    await lk?.stop();
    await tw?.stop();
  });

  const signIn = (username: string, password: string) => ui.signIn(username, password);
  const signOut = () => ui.signOut();
  const status = (method: string, path: string, body?: unknown) => ui.apiAsUser(method, path, body);
  /** A request with the signed-in user’s own token, from the page; the created resource’s id. */
  async function create(path: string, body: unknown): Promise<string> {
    const answer = await page.evaluate(
      async ({ path, body }) => {
        const { sessionStorage, localStorage } = globalThis as unknown as BrowserGlobals;
        const tokens = JSON.parse(sessionStorage.getItem('speaknode.tokens') ?? '{}') as { accessToken?: string };
        const response = await fetch(`/api/v1/spaces/${localStorage.getItem('speaknode.space')}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as { id: string } };
      },
      { path, body },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id;
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

    const llm = await create('/credentials', { name: 'LLM', kind: 'openai', secret: 'sk-e2e-1234567890' });
    const twilio = await create('/credentials', {
      name: 'Twilio',
      kind: 'twilio',
      secret: AUTH_TOKEN,
      settings: { accountSid: ACCOUNT_SID },
    });
    const agentId = await create(
      '/agents',
      agentBody(llm, {
        name: 'Reminder agent',
        prompt: 'You call {{first_name}} to confirm the appointment.',
        greeting: 'Hi {{first_name}}!',
      }),
    );
    await create('/phone-numbers', {
      provider: 'twilio',
      number: '+14155550301',
      mode: 'stream',
      agentId,
      credentialId: twilio,
    });

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
    expect(await status('POST', `/campaigns/${campaignId}/cancel`)).toBe(403);
    expect(await status('POST', '/campaigns', { name: 'Sneaky' })).toBe(403);
  }, 120_000);
});
