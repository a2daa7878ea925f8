// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import PhoneNumbersPage from './PhoneNumbersPage.svelte';

const agent = (n: number) => ({
  id: uuid(n),
  name: `Agent ${n}`,
  language: 'en-US',
  llm: { provider: 'openai-compatible', model: 'm' },
  toolIds: [],
  updatedAt: new Date(0).toISOString(),
});
const credential = (n: number, kind: string) => ({
  id: uuid(20 + n),
  spaceId: SPACE,
  name: `${kind} ${n}`,
  kind,
  settings: {},
  hint: '…1234',
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
});
const phone = (n: number, extra: object = {}) => ({
  id: uuid(40 + n),
  spaceId: SPACE,
  provider: 'twilio',
  number: `+1415555010${n}`,
  mode: 'stream',
  agentId: uuid(1),
  credentialId: null,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  ...extra,
});
const setup = (id: string) => ({
  phoneNumberId: id,
  provider: 'twilio',
  mode: 'stream',
  fields: [
    {
      label: 'A call comes in (Webhook, HTTP POST)',
      value: 'https://hooks.example.com/twilio/voice',
      where: 'Voice configuration',
    },
  ],
  notes: ['Stream mode: …'],
});

function serve(role: 'admin' | 'viewer', numbers = [phone(1)]) {
  return fakeControl(role, {
    'GET /api/v1/spaces/:space/phone-numbers': () => page(numbers),
    'GET /api/v1/spaces/:space/agents': () => page([agent(1), agent(2)]),
    'GET /api/v1/spaces/:space/credentials': () =>
      page([credential(1, 'twilio'), credential(2, 'openai'), credential(3, 'voximplant')]),
    'GET /api/v1/spaces/:space/phone-numbers/:id/provider-setup': (_r, { id }) => ({ body: setup(id!) }),
    'POST /api/v1/spaces/:space/phone-numbers': ({ body }) =>
      (body as { number: string }).number === '555'
        ? problem(400, 'Invalid request body', [{ path: 'number', message: 'must be E.164, e.g. +14155550123' }])
        : { status: 201, body: phone(9, body as object) },
    'PATCH /api/v1/spaces/:space/phone-numbers/:id': ({ body }) => ({ body: phone(1, body as object) }),
  });
}

describe('PhoneNumbersPage', () => {
  it('adds a number with a fitting credential and shows what to paste into the provider’s console', async () => {
    const seen = serve('admin');
    render(PhoneNumbersPage);
    await screen.findByRole('table', { name: 'Phone numbers' });
    const credentialSelect = screen.getByLabelText('Provider credential');
    await waitFor(() =>
      expect(
        within(credentialSelect)
          .getAllByRole('option')
          .map((o) => o.textContent),
      ).toEqual(['None (the receiver’s own token)', 'twilio 1']),
    );
    await fireEvent.input(screen.getByLabelText('Number (E.164) *'), { target: { value: '+14155550199' } });
    await fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'sip' } });
    await fireEvent.change(credentialSelect, { target: { value: uuid(21) } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add number' }));
    await screen.findByRole('heading', { name: 'What to paste into Twilio’s console' });
    await screen.findByText('https://hooks.example.com/twilio/voice');
    expect(screen.getByRole('button', { name: 'Copy A call comes in (Webhook, HTTP POST)' })).toBeTruthy();
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({
      provider: 'twilio',
      number: '+14155550199',
      mode: 'sip',
      agentId: uuid(1),
      credentialId: uuid(21),
    });
  });

  it('sends VoxImplant numbers as stream mode and shows a number error beside its field', async () => {
    const seen = serve('admin', []);
    render(PhoneNumbersPage);
    await screen.findByText(/No numbers yet. Add one below/);
    await fireEvent.change(screen.getByLabelText('Provider'), { target: { value: 'voximplant' } });
    expect((screen.getByLabelText('Mode') as HTMLSelectElement).disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText('Number (E.164) *'), { target: { value: '555' } });
    await waitFor(() =>
      expect((screen.getByRole('button', { name: 'Add number' }) as HTMLButtonElement).disabled).toBe(false),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Add number' }));
    const input = screen.getByLabelText('Number (E.164) *');
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByRole('alert').textContent).toContain('must be E.164');
    expect(seen.find((r) => r.method === 'POST')?.body).toMatchObject({ provider: 'voximplant', mode: 'stream' });
  });

  it('changes the answering agent in place', async () => {
    const seen = serve('admin');
    render(PhoneNumbersPage);
    const select = await screen.findByLabelText('Agent answering +14155550101');
    await fireEvent.change(select, { target: { value: uuid(2) } });
    await waitFor(() => expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ agentId: uuid(2) }));
  });

  it('lets a viewer read the numbers and their setup, with no edit controls', async () => {
    serve('viewer');
    render(PhoneNumbersPage);
    await screen.findByRole('link', { name: 'Agent 1' });
    expect(screen.queryByRole('form', { name: 'Add a phone number' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Detach/ })).toBeNull();
    expect(screen.queryByLabelText(/Agent answering/)).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Provider setup for +14155550101' }));
    await screen.findByText('https://hooks.example.com/twilio/voice');
  });
});
