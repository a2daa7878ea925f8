// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import CampaignsPage from './CampaignsPage.svelte';

const progress = (extra: object = {}) => ({
  total: 0,
  pending: 0,
  dialling: 0,
  completed: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
  ...extra,
});
export const campaign = (n: number, extra: object = {}) => ({
  id: uuid(60 + n),
  spaceId: SPACE,
  name: `Campaign ${n}`,
  agentId: uuid(1),
  phoneNumberId: uuid(41),
  schedule: {
    timeZone: 'Europe/London',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    startTime: '09:00',
    endTime: '18:00',
  },
  maxConcurrentCalls: 5,
  callsPerSecond: 1,
  retry: { maxAttempts: 3, delayMinutes: { busy: 30, no_answer: 60, failed: 120 } },
  columns: { number: 'phone', variables: { first_name: 'First name' } },
  answeringMachineDetection: false,
  status: 'draft',
  progress: progress({ total: 10, pending: 4, dialling: 2, completed: 3, failed: 1 }),
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  startedAt: null,
  completedAt: null,
  ...extra,
});
const CSV = 'phone,First name,notes\r\n+442079460001,Ada,"likes tea, a lot"\r\n0207,Bob,x\r\n+442079460003,Cy,\r\n';

function serve(role: 'editor' | 'viewer', campaigns = [campaign(1)]) {
  return fakeControl(role, {
    'GET /api/v1/spaces/:space/campaigns': () => page(campaigns),
    'GET /api/v1/spaces/:space/agents': () =>
      page([{ id: uuid(1), name: 'Reminder agent', language: 'en-US', llm: {}, toolIds: [], updatedAt: '' }]),
    'GET /api/v1/spaces/:space/phone-numbers': () => page([{ id: uuid(41), number: '+14155550101' }]),
    'POST /api/v1/spaces/:space/campaigns': ({ body }) => {
      const input = body as { name: string; maxConcurrentCalls: number };
      if (input.maxConcurrentCalls > 500) {
        return problem(400, 'Invalid request body', [
          { path: 'maxConcurrentCalls', message: 'must be at most 500' },
          { path: 'schedule.timeZone', message: 'must be an IANA time zone such as Europe/London' },
        ]);
      }
      return { status: 201, body: campaign(2, { ...input, progress: progress() }) };
    },
    'POST /api/v1/spaces/:space/campaigns/:id/contacts': () => ({
      body: { imported: 2, total: 3, errorCount: 1, errors: [{ line: 3, reason: '0207 is not a valid phone number' }] },
    }),
  });
}

async function chooseCsv(text: string) {
  const input = screen.getByLabelText('CSV file, with a header line') as HTMLInputElement;
  const file = new File([text], 'contacts.csv', { type: 'text/csv' });
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await fireEvent.change(input);
  await screen.findByRole('table', { name: 'Column mapping' });
}

describe('CampaignsPage', () => {
  it('lists campaigns with their progress and links to each', async () => {
    serve('viewer');
    render(CampaignsPage);
    const link = await screen.findByRole('link', { name: 'Campaign 1' });
    expect(link.getAttribute('href')).toBe(`#/campaigns/${uuid(61)}`);
    const bar = screen.getByLabelText('Progress of Campaign 1') as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([4, 10]);
    expect(screen.getByRole('table', { name: 'Campaigns' }).textContent).toContain('4 / 10 done, 2 dialling');
  });

  it('previews the mapping of a CSV, creates the campaign, imports the file as text/csv and lists the refused rows', async () => {
    const seen = serve('editor', []);
    render(CampaignsPage);
    await screen.findByText(/No campaigns yet. Create one below/);
    expect((screen.getByRole('button', { name: 'Create campaign' }) as HTMLButtonElement).disabled).toBe(true);
    await chooseCsv(CSV);
    expect((screen.getByLabelText('Number column') as HTMLSelectElement).value).toBe('phone');
    expect((screen.getByLabelText('Variable name for First name') as HTMLInputElement).value).toBe('first_name');
    // notes is not wanted as a variable.
    await fireEvent.click(screen.getByLabelText('Use notes as a variable'));
    const preview = screen.getByRole('table', { name: 'Preview of the first rows' });
    await waitFor(() =>
      expect(
        within(preview)
          .getAllByRole('columnheader')
          .map((h) => h.textContent),
      ).toEqual(['Line', 'Number', '{{first_name}}']),
    );
    const firstRow = within(preview).getAllByRole('row')[1]!;
    expect(
      within(firstRow)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['2', '+442079460001', 'Ada']);
    await fireEvent.input(screen.getByLabelText('Name *'), { target: { value: 'Reminders' } });
    await fireEvent.input(screen.getByLabelText('Calls at once'), { target: { value: '20' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create campaign' }));
    await screen.findByRole('heading', { name: 'Created “Reminders” (a draft)' });
    const refused = screen.getByRole('table', { name: 'Refused rows' });
    expect(
      within(refused)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['3', '0207 is not a valid phone number']);
    expect(screen.getByText(/Imported 2 of 3 rows; 1 refused/)).toBeTruthy();
    const create = seen.find((r) => r.method === 'POST' && r.path.endsWith('/campaigns'));
    expect(create?.body).toMatchObject({
      name: 'Reminders',
      agentId: uuid(1),
      phoneNumberId: uuid(41),
      maxConcurrentCalls: 20,
      callsPerSecond: 1,
      retry: { maxAttempts: 3, delayMinutes: { busy: 30, no_answer: 60, failed: 120 } },
      columns: { number: 'phone', variables: { first_name: 'First name' } },
      schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], startTime: '09:00', endTime: '18:00' },
    });
    const upload = seen.find((r) => r.path.endsWith('/contacts'));
    expect(upload?.contentType).toBe('text/csv');
    expect(upload?.body).toBe(CSV);
    expect(screen.getByRole('link', { name: 'Open the campaign' }).getAttribute('href')).toBe(
      `#/campaigns/${uuid(62)}`,
    );
  });

  it('shows the API’s field errors beside their fields and sends no import', async () => {
    const seen = serve('editor', []);
    render(CampaignsPage);
    await screen.findByText(/No campaigns yet/);
    await chooseCsv(CSV);
    await fireEvent.input(screen.getByLabelText('Name *'), { target: { value: 'Too many' } });
    await fireEvent.input(screen.getByLabelText('Calls at once'), { target: { value: '900' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create campaign' }));
    const cap = screen.getByLabelText('Calls at once');
    await waitFor(() => expect(cap.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(cap.getAttribute('aria-describedby')!)?.textContent).toBe('must be at most 500');
    expect(screen.getByLabelText('Time zone').getAttribute('aria-invalid')).toBe('true');
    // Every error is beside a field: no problem line above the form.
    expect(screen.queryByText(/Invalid request body/)).toBeNull();
    expect(seen.some((r) => r.path.endsWith('/contacts'))).toBe(false);
  });

  it('shows a viewer the campaigns without the form', async () => {
    serve('viewer');
    render(CampaignsPage);
    await screen.findByRole('link', { name: 'Campaign 1' });
    expect(screen.queryByRole('form', { name: 'New campaign' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create campaign' })).toBeNull();
  });

  it('says what failed when the list cannot be read, and tries again', async () => {
    let fail = true;
    fakeControl('editor', {
      'GET /api/v1/spaces/:space/campaigns': () =>
        fail
          ? {
              status: 503,
              body: {
                type: 'about:blank',
                title: 'Service Unavailable',
                status: 503,
                detail: 'the database is restarting',
              },
            }
          : page([]),
    });
    render(CampaignsPage);
    const alert = await screen.findByText('Service Unavailable: the database is restarting');
    expect(alert.closest('[role="alert"]')).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText(/No campaigns yet/);
  });
});
