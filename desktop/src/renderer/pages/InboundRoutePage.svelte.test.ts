// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhooksClient } from '../lib/api/webhooks-client.ts';
import { consoleState } from '../lib/console-state.svelte.ts';
import InboundRoutePage from './InboundRoutePage.svelte';
import InboundRoutesPage from './InboundRoutesPage.svelte';

const SPACE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const route = {
  key: 'crm-events',
  url: 'https://hooks.example.com/in/crm-events',
  spaceId: SPACE,
  description: 'CRM',
  enabled: true,
  auth: {
    type: 'hmac',
    header: 'x-hub-signature-256',
    secret: '********',
    algorithm: 'sha256',
    encoding: 'hex',
    prefix: 'sha256=',
  },
  rules: [{ name: 'default', topic: 'webhooks.inbound', filters: [], transform: {} }],
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
};

type Answer = { status?: number; body: unknown };

/** The pages against a stand-in for the receiver's admin API behind control (fetch at the boundary). */
function serve(answers: (request: Request, body: unknown) => Answer) {
  const requests: Array<{ method: string; url: URL; body: unknown }> = [];
  globalThis.fetch = (async (request: Request) => {
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: request.method, url: new URL(request.url), body });
    const answer = answers(request, body);
    const status = answer.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(answer.body), {
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  }) as typeof fetch;
  consoleState.webhooksClient = createWebhooksClient('http://control.test/', {
    accessToken: async () => 'token',
    refresh: async () => undefined,
  });
  consoleState.spaceId = SPACE;
  return requests;
}

afterEach(() => {
  consoleState.role = undefined;
});

describe('InboundRoutePage', () => {
  it('shows the address and deliveries, and saves without resending the write-only secret', async () => {
    const requests = serve((request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith('/deliveries')) {
        return {
          body: {
            items: [
              {
                at: new Date(0).toISOString(),
                status: 202,
                outcome: 'accepted',
                contentType: 'application/json',
                bytes: 20,
                rule: 'default',
                topic: 'webhooks.inbound',
                eventId: 'inbound:crm-events:e-1',
                detail: null,
              },
            ],
          },
        };
      }
      return { body: route };
    });
    consoleState.role = 'admin';
    render(InboundRoutePage, { routeKey: 'crm-events' });
    expect((await screen.findByLabelText('Route address')).textContent).toBe(route.url);
    await screen.findByText('inbound:crm-events:e-1');
    await fireEvent.input(screen.getByLabelText('Description'), { target: { value: 'CRM (prod)' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved.');
    const patch = requests.find((r) => r.method === 'PATCH');
    // Through control's /webhooks/ prefix, to the receiver's admin path.
    expect(patch?.url.pathname).toBe('/webhooks/admin/v1/routes/crm-events');
    expect(patch?.body).toEqual({ description: 'CRM (prod)', enabled: true, rules: route.rules });
  });

  it('builds the rules from per-filter forms: tests, values, transform, order', async () => {
    const requests = serve((request, body) =>
      request.method === 'POST' ? { status: 201, body: { ...route, ...(body as object) } } : { body: route },
    );
    consoleState.role = 'admin';
    render(InboundRoutePage, { routeKey: undefined });
    await fireEvent.input(await screen.findByLabelText('Route key *'), { target: { value: 'crm-events' } });
    await fireEvent.input(screen.getByLabelText('Signing secret'), { target: { value: 'crm-signing-secret-0123' } });

    // Rule 1: calls that completed, with the sender’s id; rule 2 (added, then moved first): test events.
    const rule1 = screen.getByRole('group', { name: 'Rule 1' });
    await fireEvent.input(within(rule1).getByLabelText('Rule name *'), { target: { value: 'completed' } });
    await fireEvent.click(within(rule1).getByRole('button', { name: 'Add filter to rule 1' }));
    const f1 = within(rule1).getByRole('group', { name: 'Rule 1 filter 1' });
    await fireEvent.input(within(f1).getByLabelText('Field path'), { target: { value: 'type' } });
    await fireEvent.input(within(f1).getByLabelText('Value'), { target: { value: 'call.completed' } });
    await fireEvent.click(within(rule1).getByRole('button', { name: 'Add filter to rule 1' }));
    const f2 = within(rule1).getByRole('group', { name: 'Rule 1 filter 2' });
    await fireEvent.input(within(f2).getByLabelText('Field path'), { target: { value: 'data.attempt' } });
    await fireEvent.change(within(f2).getByLabelText('Test'), { target: { value: 'in' } });
    await fireEvent.input(within(f2).getByLabelText('Values, one per line'), { target: { value: '1\n2\n"3"' } });
    await fireEvent.input(within(rule1).getByLabelText('Event id path'), { target: { value: 'id' } });
    await fireEvent.click(within(rule1).getByRole('button', { name: 'Pick a field for rule 1' }));
    const pick = within(rule1).getByRole('group', { name: 'Rule 1 picked field 1' });
    await fireEvent.input(within(pick).getByLabelText('Field name'), { target: { value: 'callId' } });
    await fireEvent.input(within(pick).getByLabelText('From path'), { target: { value: 'data.call.id' } });

    await fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    const rule2 = screen.getByRole('group', { name: 'Rule 2' });
    await fireEvent.input(within(rule2).getByLabelText('Rule name *'), { target: { value: 'tests' } });
    await fireEvent.change(within(rule2).getByLabelText('Topic'), { target: { value: 'webhooks.livekit' } });
    await fireEvent.click(within(rule2).getByRole('button', { name: 'Add filter to rule 2' }));
    const f3 = within(rule2).getByRole('group', { name: 'Rule 2 filter 1' });
    await fireEvent.input(within(f3).getByLabelText('Field path'), { target: { value: 'test' } });
    await fireEvent.change(within(f3).getByLabelText('Test'), { target: { value: 'exists' } });
    expect(within(f3).queryByLabelText('Value')).toBeNull();
    await fireEvent.click(within(rule2).getByRole('button', { name: 'Move rule 2 up' }));

    await fireEvent.click(screen.getByRole('button', { name: 'Create route' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST')).toBe(true));
    expect((requests.find((r) => r.method === 'POST')!.body as { rules: unknown }).rules).toEqual([
      { name: 'tests', topic: 'webhooks.livekit', filters: [{ path: 'test', exists: true }], transform: {} },
      {
        name: 'completed',
        topic: 'webhooks.inbound',
        filters: [
          { path: 'type', equals: 'call.completed' },
          { path: 'data.attempt', in: [1, 2, '3'] },
        ],
        transform: { idPath: 'id', pick: { callId: 'data.call.id' } },
      },
    ]);
  });

  it('shows the API’s field errors beside their fields, rules errors beside the rule’s field', async () => {
    const requests = serve((request) =>
      request.method === 'POST'
        ? {
            status: 400,
            body: {
              type: 'about:blank',
              title: 'Bad Request',
              status: 400,
              detail: 'the body is invalid',
              errors: [
                { path: 'key', message: 'must be 3–64 characters' },
                { path: 'rules.0.filters.0.path', message: 'must be a dotted path like data.object.id' },
                { path: 'rules.0.filters.1', message: 'a filter needs exactly one of equals, in, exists' },
                { path: 'rules.0.transform.idPath', message: 'must be a dotted path like data.object.id' },
                { path: 'rules', message: 'at most 20 rules' },
              ],
            },
          }
        : { body: {} },
    );
    consoleState.role = 'admin';
    render(InboundRoutePage, { routeKey: undefined });
    await fireEvent.input(await screen.findByLabelText('Route key *'), { target: { value: 'X' } });
    const rule = screen.getByRole('group', { name: 'Rule 1' });
    await fireEvent.click(within(rule).getByRole('button', { name: 'Add filter to rule 1' }));
    await fireEvent.click(within(rule).getByRole('button', { name: 'Add filter to rule 1' }));
    const f1 = within(rule).getByRole('group', { name: 'Rule 1 filter 1' });
    await fireEvent.input(within(f1).getByLabelText('Field path'), { target: { value: 'not a path' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create route' }));

    const describedBy = (field: HTMLElement) =>
      document.getElementById(field.getAttribute('aria-describedby')!)?.textContent;
    const key = screen.getByLabelText('Route key *');
    await waitFor(() => expect(key.getAttribute('aria-invalid')).toBe('true'));
    expect(describedBy(key)).toBe('must be 3–64 characters');
    const path = within(f1).getByLabelText('Field path');
    expect(path.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(path)).toBe('must be a dotted path like data.object.id');
    const f2 = within(rule).getByRole('group', { name: 'Rule 1 filter 2' });
    expect(describedBy(within(f2).getByLabelText('Value'))).toBe('a filter needs exactly one of equals, in, exists');
    expect(describedBy(within(rule).getByLabelText('Event id path'))).toBe('must be a dotted path like data.object.id');
    // An error no field owns is shown above the rules, with its path.
    expect(screen.getByText('rules: at most 20 rules')).toBeTruthy();
    // What was typed stays.
    expect((path as HTMLInputElement).value).toBe('not a path');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('shows a viewer the rules without edit controls', async () => {
    serve((request) =>
      new URL(request.url).pathname.endsWith('/deliveries')
        ? { body: { items: [] } }
        : {
            body: {
              ...route,
              rules: [
                {
                  name: 'completed',
                  topic: 'webhooks.inbound',
                  filters: [{ path: 'type', equals: 42 }],
                  transform: {},
                },
              ],
            },
          },
    );
    consoleState.role = 'viewer';
    render(InboundRoutePage, { routeKey: 'crm-events' });
    const rule = await screen.findByRole('group', { name: 'Rule 1' });
    await waitFor(() =>
      expect((within(rule).getByLabelText('Rule name *') as HTMLInputElement).value).toBe('completed'),
    );
    expect((within(rule).getByLabelText('Value') as HTMLInputElement).value).toBe('42');
    // Inside the rule's disabled fieldset.
    expect(within(rule).getByLabelText('Value').matches(':disabled')).toBe(true);
    expect(screen.queryByRole('button', { name: /Add rule|Add filter|Remove/ })).toBeNull();
    // The deliveries have answered before the next test replaces fetch.
    await screen.findByText(/Nothing received since the receiver started/);
  });
});

describe('InboundRoutesPage', () => {
  it('lists routes, says what to do when there are none, and explains refused dead letters', async () => {
    serve((request) =>
      new URL(request.url).pathname.endsWith('/dead-letters')
        ? {
            status: 403,
            body: {
              type: 'about:blank',
              title: 'Forbidden',
              status: 403,
              detail: 'dead letters need the platform role speaknode:admin',
            },
          }
        : { body: { items: [] } },
    );
    consoleState.role = 'viewer';
    render(InboundRoutesPage, { routeKey: undefined });
    await screen.findByText(/No inbound routes in this space yet/);
    await screen.findByText(/only a platform administrator sees them/);
    expect(screen.queryByRole('button', { name: 'New route' })).toBeNull();
  });

  it('shows a failed list with a retry', async () => {
    let fail = true;
    serve((request) => {
      if (new URL(request.url).pathname.endsWith('/dead-letters')) return { body: { count: 0, items: [] } };
      if (fail) {
        fail = false;
        return {
          status: 502,
          body: {
            type: 'about:blank',
            title: 'Bad Gateway',
            status: 502,
            detail: 'the webhook receiver could not be reached',
          },
        };
      }
      return { body: { items: [route] } };
    });
    consoleState.role = 'admin';
    render(InboundRoutesPage, { routeKey: undefined });
    await screen.findByText(/the webhook receiver could not be reached/);
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('link', { name: 'crm-events' });
    expect(screen.getByText(/No dead letters/)).toBeTruthy();
  });
});
