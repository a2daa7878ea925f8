// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { fakeControl, page, problem, SPACE, uuid } from '../testing/fake-control.ts';
import AuditPage from './AuditPage.svelte';

const entry = (n: number, extra: object = {}) => ({
  id: uuid(n),
  spaceId: SPACE,
  actor: { type: 'user', id: 'u1', label: 'alice@example.com', role: 'admin' },
  action: 'updated',
  resource: 'agent',
  resourceId: uuid(50),
  before: { name: 'Reception', language: 'en-US' },
  after: { name: 'Front desk', language: 'en-US' },
  createdAt: new Date(0).toISOString(),
  ...extra,
});

describe('AuditPage', () => {
  it('shows who changed what, and the fields before and after', async () => {
    fakeControl('viewer', {
      'GET /api/v1/spaces/:space/audit': ({ query }) =>
        query.get('cursor')
          ? page([
              entry(2, {
                action: 'created',
                before: null,
                actor: { type: 'api_key', id: 'k', label: 'CI', role: 'editor' },
              }),
            ])
          : page([entry(1)], 'next'),
    });
    render(AuditPage);
    const table = await screen.findByRole('table', { name: 'Audit log' });
    expect(table.textContent).toContain('alice@example.com · admin');
    expect(table.textContent).toContain('updated agent');
    await fireEvent.click(screen.getByRole('button', { name: /^Details of updated agent/ }));
    const changed = screen.getByRole('table', { name: 'Changed fields' });
    const row = within(changed).getByText('name').closest('tr')!;
    expect(row.textContent).toContain('Reception');
    expect(row.textContent).toContain('Front desk');
    expect(within(changed).queryByText('language')).toBeNull();
    expect(screen.getByRole('region', { name: 'Before' }).textContent).toContain('"Reception"');

    await fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('CI (API key) · editor');
  });

  it('filters by resource and action through the API', async () => {
    const seen = fakeControl('viewer', { 'GET /api/v1/spaces/:space/audit': () => page([]) });
    render(AuditPage);
    await screen.findByText(/No changes recorded yet/);
    await fireEvent.change(screen.getByLabelText('Resource'), { target: { value: 'api_key' } });
    await fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'deleted' } });
    await waitFor(() => {
      const last = seen.at(-1)!;
      expect([last.query.get('resource'), last.query.get('action')]).toEqual(['api_key', 'deleted']);
    });
    await screen.findByText('No entries match these filters.');
  });

  it('shows the API’s refusal', async () => {
    fakeControl('viewer', { 'GET /api/v1/spaces/:space/audit': () => problem(403, 'Forbidden') });
    render(AuditPage);
    await screen.findByText('Forbidden');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
