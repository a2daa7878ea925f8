// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import WebhookDeliveriesPage from './WebhookDeliveriesPage.svelte';
import WebhooksPage from './WebhooksPage.svelte';

const webhook = (n: number, extra: object = {}) => ({
  id: uuid(n),
  spaceId: SPACE,
  url: `https://hooks.example.com/${n}`,
  description: '',
  eventTypes: ['call.ended'],
  enabled: true,
  disabledReason: null,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  ...extra,
});

const message = (n: number, status: string) => ({
  id: uuid(100 + n),
  webhookId: uuid(1),
  eventId: `evt_${n}`,
  eventType: 'call.ended',
  status,
  attempts: 2,
  nextAttemptAt: null,
  lastStatusCode: 500,
  lastError: 'endpoint answered 500',
  createdAt: new Date(0).toISOString(),
  deliveredAt: null,
  payload: { callId: 'c1' },
});

describe('WebhooksPage', () => {
  it('subscribes an endpoint to the events picked and shows its signing secret once', async () => {
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks': () =>
        page([webhook(1, { enabled: false, disabledReason: 'endpoint answered 410 Gone' })]),
      'POST /api/v1/spaces/:space/webhooks': ({ body }) => ({
        status: 201,
        body: { ...webhook(2), ...(body as object), secret: 'whsec_c2VjcmV0' },
      }),
    });
    render(WebhooksPage);
    const table = await screen.findByRole('table', { name: 'Webhook subscriptions' });
    expect(within(table).getByText('endpoint answered 410 Gone')).toBeTruthy();
    expect(
      within(table).getByRole('link', { name: 'Deliveries to https://hooks.example.com/1' }).getAttribute('href'),
    ).toBe(`#/webhooks/${uuid(1)}`);

    await fireEvent.input(screen.getByLabelText('Endpoint URL *'), { target: { value: 'https://crm.example.com/in' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'call.started' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }));
    const secret = (await screen.findByLabelText('Signing secret for https://crm.example.com/in')) as HTMLInputElement;
    expect(secret.value).toBe('whsec_c2VjcmV0');
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({
      url: 'https://crm.example.com/in',
      description: '',
      eventTypes: ['call.ended', 'call.started'],
    });
  });

  it('puts the API’s URL error beside the URL field', async () => {
    fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks': () => page([]),
      'POST /api/v1/spaces/:space/webhooks': () =>
        problem(400, 'Invalid request body', [{ path: 'url', message: 'must be https' }]),
    });
    render(WebhooksPage);
    await screen.findByText(/No subscriptions yet. Subscribe an endpoint below/);
    await fireEvent.click(screen.getByRole('button', { name: 'Subscribe' }));
    const input = screen.getByLabelText('Endpoint URL *');
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByRole('alert').textContent).toBe('must be https');
  });

  it('edits a subscription’s URL and events in place, sending only what changed', async () => {
    let current = webhook(1, { eventTypes: ['call.ended', 'call.failed'] });
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks': () => page([current]),
      'PATCH /api/v1/spaces/:space/webhooks/:id': ({ body }) => {
        current = { ...current, ...(body as object) };
        return { body: current };
      },
    });
    render(WebhooksPage);
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit https://hooks.example.com/1' }));
    const form = screen.getByRole('form', { name: 'Edit the subscription to https://hooks.example.com/1' });
    const urlField = within(form).getByLabelText('Endpoint URL *') as HTMLInputElement;
    expect(urlField.value).toBe('https://hooks.example.com/1');
    expect((within(form).getByRole('checkbox', { name: 'call.failed' }) as HTMLInputElement).checked).toBe(true);
    expect((within(form).getByRole('checkbox', { name: 'call.started' }) as HTMLInputElement).checked).toBe(false);

    await fireEvent.input(urlField, { target: { value: 'https://hooks.example.com/v2' } });
    await fireEvent.click(within(form).getByRole('checkbox', { name: 'call.failed' }));
    await fireEvent.click(within(form).getByRole('checkbox', { name: 'call.started' }));
    await fireEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await screen.findByText('Saved the subscription to https://hooks.example.com/v2.');
    expect(seen.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.body])).toEqual([
      [
        `/api/v1/spaces/${SPACE}/webhooks/${uuid(1)}`,
        { url: 'https://hooks.example.com/v2', eventTypes: ['call.ended', 'call.started'] },
      ],
    ]);
    // The form subscribes new endpoints again, and the table shows the change.
    expect(screen.getByRole('form', { name: 'Subscribe an endpoint' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: 'Webhook subscriptions' });
    await waitFor(() => expect(table.textContent).toContain('https://hooks.example.com/v2'));
    expect(table.textContent).toContain('call.ended, call.started');
    expect(seen.some((r) => r.method === 'POST')).toBe(false);
  });

  it('keeps the edit open with the API’s error beside the field it names', async () => {
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks': () => page([webhook(1)]),
      'PATCH /api/v1/spaces/:space/webhooks/:id': () =>
        problem(400, 'Invalid request body', [
          { path: 'url', message: 'the address 10.0.0.5 is not allowed for webhook deliveries' },
        ]),
    });
    render(WebhooksPage);
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit https://hooks.example.com/1' }));
    const form = screen.getByRole('form', { name: 'Edit the subscription to https://hooks.example.com/1' });
    const urlField = within(form).getByLabelText('Endpoint URL *');
    await fireEvent.input(urlField, { target: { value: 'https://10.0.0.5/in' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(urlField.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(urlField.getAttribute('aria-describedby')!)?.textContent).toBe(
      'the address 10.0.0.5 is not allowed for webhook deliveries',
    );
    expect((urlField as HTMLInputElement).value).toBe('https://10.0.0.5/in');
    // Cancel goes back to subscribing.
    await fireEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('form', { name: 'Subscribe an endpoint' })).toBeTruthy();
    expect(seen.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('shows a viewer the subscriptions without edit controls', async () => {
    fakeControl('viewer', { 'GET /api/v1/spaces/:space/webhooks': () => page([webhook(1)]) });
    render(WebhooksPage);
    await screen.findByText('https://hooks.example.com/1');
    expect(screen.queryByRole('button', { name: /Disable|Delete|Edit/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Subscribe' })).toBeNull();
  });
});

describe('WebhookDeliveriesPage', () => {
  it('lists deliveries by status, opens one’s attempts and replays it', async () => {
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks/:id': () => ({ body: webhook(1) }),
      'GET /api/v1/spaces/:space/webhooks/:id/messages': ({ query }) =>
        page(
          query.get('status') === 'failed' ? [message(1, 'failed')] : [message(1, 'failed'), message(2, 'delivered')],
        ),
      'GET /api/v1/spaces/:space/webhooks/:id/messages/:messageId': (_r, { messageId }) => ({
        body: {
          ...message(1, 'failed'),
          id: messageId,
          attemptLog: [
            {
              attemptedAt: '2026-03-01T10:00:00Z',
              durationMs: 12.4,
              statusCode: 500,
              error: 'the endpoint answered 500',
              responseExcerpt: 'boom',
              outcome: 'retry',
              nextAttemptAt: null,
            },
          ],
        },
      }),
      'POST /api/v1/spaces/:space/webhooks/:id/messages/:messageId/replay': () => ({
        status: 202,
        body: message(1, 'pending'),
      }),
    });
    render(WebhookDeliveriesPage, { webhookId: uuid(1) });
    await screen.findByRole('heading', { name: 'Deliveries to https://hooks.example.com/1' });
    const rows = await screen.findAllByRole('button', { name: /^Attempts of/ });
    expect(rows).toHaveLength(2);

    await fireEvent.click(rows[0]!);
    const attempts = await screen.findByRole('table', { name: 'Attempts' });
    expect(attempts.textContent).toContain('the endpoint answered 500');
    expect(attempts.textContent).toContain('boom');
    expect(attempts.textContent).toContain('12 ms');

    await fireEvent.click(screen.getByRole('button', { name: `Replay call.ended ${uuid(101)}` }));
    await screen.findByText(/Queued again/);
    expect(seen.some((r) => r.method === 'POST' && r.path.endsWith(`/messages/${uuid(101)}/replay`))).toBe(true);

    await fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(screen.getAllByRole('button', { name: /^Attempts of/ })).toHaveLength(1));
    expect(
      seen
        .filter((r) => r.path.endsWith('/messages'))
        .at(-1)
        ?.query.get('status'),
    ).toBe('failed');
  });

  it('says why a replay was refused', async () => {
    fakeControl('admin', {
      'GET /api/v1/spaces/:space/webhooks/:id': () => ({ body: webhook(1, { enabled: false }) }),
      'GET /api/v1/spaces/:space/webhooks/:id/messages': () => page([message(1, 'failed')]),
      'POST /api/v1/spaces/:space/webhooks/:id/messages/:messageId/replay': () => problem(409, 'Conflict'),
    });
    render(WebhookDeliveriesPage, { webhookId: uuid(1) });
    await fireEvent.click(await screen.findByRole('button', { name: /^Replay/ }));
    await screen.findByText('Conflict');
    expect(screen.getByText(/This subscription is disabled/)).toBeTruthy();
  });
});
