// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import CampaignsDetailPage from './CampaignsDetailPage.svelte';

const ID = uuid(61);
const progress = (extra: object = {}) => ({
  total: 3,
  pending: 3,
  dialling: 0,
  completed: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
  ...extra,
});
const campaign = (extra: object = {}) => ({
  id: ID,
  spaceId: SPACE,
  name: 'Reminders',
  agentId: uuid(1),
  phoneNumberId: uuid(41),
  schedule: { timeZone: 'Europe/London', days: ['mon', 'fri'], startTime: '09:00', endTime: '18:00' },
  maxConcurrentCalls: 5,
  callsPerSecond: 1,
  retry: { maxAttempts: 3, delayMinutes: { busy: 30, no_answer: 60, failed: 120 } },
  columns: { number: 'phone', variables: { first_name: 'name' } },
  answeringMachineDetection: false,
  status: 'draft',
  progress: progress(),
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  startedAt: null,
  completedAt: null,
  ...extra,
});
const contact = (n: number, extra: object = {}) => ({
  id: uuid(100 + n),
  campaignId: ID,
  line: n + 1,
  number: `+44207946000${n}`,
  variables: { first_name: `P${n}` },
  status: 'pending',
  attempts: 0,
  lastOutcome: null,
  lastReason: null,
  nextAttemptAt: null,
  callIds: [],
  updatedAt: new Date(0).toISOString(),
  ...extra,
});

/** A campaign whose state the fake moves: start/pause/resume/cancel, and a progress that the test advances. */
function world(role: 'editor' | 'viewer') {
  const state = { campaign: campaign(), contacts: [contact(1), contact(2), contact(3)] };
  const move = (status: string) => () => {
    state.campaign = { ...state.campaign, status };
    return { body: state.campaign };
  };
  const seen = fakeControl(role, {
    'GET /api/v1/spaces/:space/campaigns/:id': () => ({ body: state.campaign }),
    'GET /api/v1/spaces/:space/campaigns/:id/contacts': ({ query }) =>
      query.get('cursor') === 'page-2'
        ? page([contact(4)])
        : page(
            state.contacts.filter((c) => !query.get('status') || c.status === query.get('status')),
            query.get('status') ? null : 'page-2',
          ),
    'GET /api/v1/spaces/:space/agents/:id': () => ({ body: { id: uuid(1), name: 'Reminder agent' } }),
    'GET /api/v1/spaces/:space/phone-numbers/:id': () => ({ body: { id: uuid(41), number: '+14155550101' } }),
    'POST /api/v1/spaces/:space/campaigns/:id/start': move('running'),
    'POST /api/v1/spaces/:space/campaigns/:id/pause': move('paused'),
    'POST /api/v1/spaces/:space/campaigns/:id/resume': move('running'),
    'POST /api/v1/spaces/:space/campaigns/:id/cancel': move('cancelled'),
    'POST /api/v1/spaces/:space/campaigns/:id/contacts': () =>
      problem(422, 'Unprocessable Content', [{ path: 'columns.number', message: 'the CSV has no column phone' }]),
  });
  return { state, seen };
}

const counts = () =>
  within(screen.getByRole('list', { name: 'Contacts by status' }))
    .getAllByRole('listitem')
    .map((li) => li.textContent?.replace(/\s+/g, ' ').trim());

describe('CampaignsDetailPage', () => {
  it('starts a campaign, follows its progress by polling one request at a time, then pauses, resumes and cancels it', async () => {
    const { state, seen } = world('editor');
    render(CampaignsDetailPage, { campaignId: ID, pollMs: 20 });
    await screen.findByRole('heading', { name: 'Reminders' });
    await screen.findByRole('link', { name: 'Reminder agent' });
    expect(screen.getByText('+14155550101')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Campaign status' }).textContent).toBe('Running'));

    // The dialler works: one contact dialling, one done with its call.
    state.contacts = [
      contact(1, { status: 'completed', attempts: 1, lastOutcome: 'answered', callIds: [uuid(201)] }),
      contact(2, { status: 'dialling', attempts: 2, lastOutcome: 'busy', callIds: [uuid(202), uuid(203)] }),
      contact(3),
    ];
    state.campaign = { ...state.campaign, progress: progress({ pending: 1, dialling: 1, completed: 1 }) };
    await waitFor(() => expect(counts()).toContain('1 Completed'));
    const table = screen.getByRole('table', { name: 'Contacts' });
    await waitFor(() =>
      expect(
        within(table).getByRole('link', { name: 'Timeline of call 2 to +442079460002' }).getAttribute('href'),
      ).toBe(`#/calls/${uuid(203)}`),
    );
    expect(table.textContent).toContain('Busy');

    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Resume' }));
    // The call in progress ends; the cancel leaves nothing dialling, so the page stops polling.
    state.campaign = { ...state.campaign, progress: progress({ pending: 1, completed: 2 }) };
    vi.spyOn(globalThis, 'confirm').mockReturnValue(true);
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancel campaign' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Campaign status' }).textContent).toBe('Cancelled'));
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.path.split('/').at(-1))).toEqual([
      'start',
      'pause',
      'resume',
      'cancel',
    ]);
    expect(seen.filter((r) => r.method === 'GET' && r.path.endsWith(ID)).length).toBeGreaterThan(1);
    // Finished: no more polling.
    await waitFor(() => expect(screen.queryByText(/updating every/)).toBeNull());
  });

  it('pages the contacts with the API’s cursor and filters them by status', async () => {
    const { seen } = world('viewer');
    render(CampaignsDetailPage, { campaignId: ID, pollMs: 20 });
    await screen.findByRole('table', { name: 'Contacts' });
    await fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('+442079460004');
    expect(seen.find((r) => r.query.get('cursor'))?.query.get('cursor')).toBe('page-2');
    await fireEvent.change(screen.getByLabelText('Status', { selector: 'select' }), { target: { value: 'failed' } });
    await screen.findByText('No contacts with this status.');
    expect(seen.at(-1)?.query.get('status')).toBe('failed');
  });

  it('shows a viewer no actions and no import, but the export', async () => {
    world('viewer');
    render(CampaignsDetailPage, { campaignId: ID, pollMs: 20 });
    await screen.findByRole('heading', { name: 'Reminders' });
    expect(screen.queryByRole('group', { name: 'Campaign actions' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull();
    expect(screen.queryByLabelText('CSV file')).toBeNull();
    expect(screen.getByRole('button', { name: 'Export results (CSV)' })).toBeTruthy();
  });

  it('previews a CSV for a draft with the campaign’s mapping and shows a refused import', async () => {
    world('editor');
    render(CampaignsDetailPage, { campaignId: ID, pollMs: 20 });
    const input = (await screen.findByLabelText('CSV file')) as HTMLInputElement;
    const choose = async (text: string) => {
      Object.defineProperty(input, 'files', { value: [new File([text], 'more.csv')], configurable: true });
      await fireEvent.change(input);
    };
    await choose('mobile,name\n+442079460009,Zed\n');
    await screen.findByText(/The file has no column phone/);
    expect((screen.getByRole('button', { name: 'Import contacts' }) as HTMLButtonElement).disabled).toBe(true);
    await choose('phone,name\n+442079460009,Zed\n');
    const preview = await screen.findByRole('table', { name: 'Preview of the first rows' });
    expect(
      within(preview)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['2', '+442079460009', 'Zed']);
    await fireEvent.click(screen.getByRole('button', { name: 'Import contacts' }));
    await screen.findByText('Unprocessable Content');
  });

  it('says when the campaign is not there', async () => {
    fakeControl('editor', {});
    render(CampaignsDetailPage, { campaignId: ID });
    await screen.findByText('Not Found');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
