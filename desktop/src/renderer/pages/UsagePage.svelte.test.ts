// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, uuid } from '../testing/fake-control.ts';
import UsagePage from './UsagePage.svelte';

const usage = {
  callSeconds: 150,
  sttSeconds: 60,
  ttsCharacters: 1234,
  llmPromptTokens: 500,
  llmCompletionTokens: 120,
  toolCalls: 3,
};
const spaceUsage = (lagoConfigured: boolean, calls = 2) => ({
  from: '2026-02-01T00:00:00.000Z',
  to: '2026-03-01T00:00:00.000Z',
  calls,
  totals: usage,
  byAgent: calls ? [{ agentId: uuid(1), calls, usage }] : [],
  billing: { lagoConfigured, sent: 4, pending: 1, lastError: null },
});
const agents = () =>
  page([
    {
      id: uuid(1),
      name: 'Reception',
      language: 'en-US',
      llm: { provider: 'openai-compatible', model: 'm' },
      toolIds: [],
      updatedAt: new Date(0).toISOString(),
    },
  ]);

describe('UsagePage', () => {
  it('shows the period’s totals and usage by agent, and says when billing is not configured', async () => {
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/usage': () => ({ body: spaceUsage(false) }),
      'GET /api/v1/spaces/:space/agents': agents,
      'GET /api/v1/spaces/:space/billing': () => ({
        body: { lagoConfigured: false, subscription: null, invoices: [], error: null },
      }),
    });
    render(UsagePage);
    const totals = await screen.findByRole('list', { name: 'Totals' });
    expect(totals.textContent).toContain('2.5call minutes');
    expect(totals.textContent).toContain('620LLM tokens (500 in, 120 out)');
    expect(totals.textContent).toContain('1,234TTS characters');
    expect(totals.textContent).toContain('3tool calls');
    const byAgent = screen.getByRole('table', { name: 'Usage by agent' });
    await waitFor(() => expect(within(byAgent).getByRole('link', { name: 'Reception' })).toBeTruthy());
    expect(screen.getByText(/Billing is not configured/)).toBeTruthy();

    await fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'last-month' } });
    await waitFor(() => expect(seen.filter((r) => r.path.endsWith('/usage'))).toHaveLength(2));
    const last = seen.filter((r) => r.path.endsWith('/usage')).at(-1)!;
    const now = new Date();
    expect(last.query.get('to')).toBe(new Date(now.getFullYear(), now.getMonth(), 1).toISOString());
  });

  it('shows the Lago plan and invoices when Lago is configured', async () => {
    fakeControl('admin', {
      'GET /api/v1/spaces/:space/usage': () => ({ body: spaceUsage(true) }),
      'GET /api/v1/spaces/:space/agents': agents,
      'GET /api/v1/spaces/:space/billing': () => ({
        body: {
          lagoConfigured: true,
          subscription: {
            externalId: 's',
            externalCustomerId: 'c',
            planCode: 'pro',
            planName: 'Pro',
            status: 'active',
            startedAt: null,
          },
          invoices: [
            {
              id: 'i1',
              number: 'INV-001',
              issuingDate: '2026-02-01',
              status: 'finalized',
              paymentStatus: 'succeeded',
              totalAmountCents: 4200,
              currency: 'EUR',
              fileUrl: null,
            },
          ],
          error: null,
        },
      }),
    });
    render(UsagePage);
    const invoices = await screen.findByRole('table', { name: 'Invoices' });
    expect(invoices.textContent).toContain('INV-001');
    expect(invoices.textContent).toContain('€42.00');
    expect(screen.getByText(/Sent to Lago in this period: 4 events, 1 waiting/)).toBeTruthy();
    expect(screen.getByText('active')).toBeTruthy();
  });

  it('says what to do when the period has no calls, and keeps invoices from non-admins', async () => {
    const seen = fakeControl('viewer', {
      'GET /api/v1/spaces/:space/usage': () => ({ body: spaceUsage(true, 0) }),
      'GET /api/v1/spaces/:space/agents': agents,
    });
    render(UsagePage);
    await screen.findByText(/No calls in this period/);
    expect(screen.getByText('The plan and invoices are shown to admins of this space.')).toBeTruthy();
    expect(seen.some((r) => r.path.endsWith('/billing'))).toBe(false);
  });
});
