// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import ApiKeysPage from './ApiKeysPage.svelte';

const key = (n: number, lastUsedAt: string | null = null) => ({
  id: uuid(n),
  spaceId: SPACE,
  name: `Key ${n}`,
  role: 'editor',
  prefix: `sk_${n}abc`,
  createdAt: new Date(0).toISOString(),
  lastUsedAt,
});

describe('ApiKeysPage', () => {
  it('lists keys with role and last use, pages with the cursor, and shows a new key once', async () => {
    const seen = fakeControl('admin', {
      'GET /api/v1/spaces/:space/api-keys': ({ query }) =>
        query.get('cursor') ? page([key(3)]) : page([key(1, '2026-03-01T10:00:00Z'), key(2)], 'c2'),
      'POST /api/v1/spaces/:space/api-keys': ({ body }) => ({
        status: 201,
        body: { ...key(9), ...(body as object), key: 'sk_live_secret_value' },
      }),
    });
    render(ApiKeysPage);
    const table = await screen.findByRole('table', { name: 'API keys' });
    expect(table.textContent).toContain('Never');
    expect(table.textContent).toContain(new Date('2026-03-01T10:00:00Z').toLocaleString());
    await fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('Key 3');

    await fireEvent.input(screen.getByLabelText('Key name *'), { target: { value: 'CRM sync' } });
    await fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'viewer' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const shown = (await screen.findByLabelText('New API key “CRM sync”')) as HTMLInputElement;
    expect(shown.value).toBe('sk_live_secret_value');
    expect(seen.find((r) => r.method === 'POST')?.body).toEqual({ name: 'CRM sync', role: 'viewer' });
    await fireEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByDisplayValue('sk_live_secret_value')).toBeNull();
  });

  it('shows the API’s field error beside its field', async () => {
    fakeControl('admin', {
      'GET /api/v1/spaces/:space/api-keys': () => page([]),
      'POST /api/v1/spaces/:space/api-keys': () =>
        problem(400, 'Invalid request body', [{ path: 'name', message: 'Too small: expected at least 1 character' }]),
    });
    render(ApiKeysPage);
    await screen.findByText(/No API keys yet. Create one below/);
    await fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const input = screen.getByLabelText('Key name *');
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toContain('Too small');
    expect(screen.queryByText('Invalid request body')).toBeNull();
  });

  it('gives a viewer the list without edit controls, and an error state with retry', async () => {
    let fail = true;
    fakeControl('viewer', {
      'GET /api/v1/spaces/:space/api-keys': () => (fail ? problem(503, 'Service Unavailable') : page([key(1)])),
    });
    render(ApiKeysPage);
    await screen.findByText('Service Unavailable');
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText('Key 1');
    expect(screen.queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(screen.queryByRole('form', { name: 'Create an API key' })).toBeNull();
  });
});
