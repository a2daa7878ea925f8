// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
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

  it('shows the API’s field errors beside their fields and rules errors beside the rules', async () => {
    serve((request) =>
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
                { path: 'rules.0.filters.0', message: 'a filter needs exactly one of equals, in, exists' },
              ],
            },
          }
        : { body: {} },
    );
    consoleState.role = 'admin';
    render(InboundRoutePage, { routeKey: undefined });
    await fireEvent.input(await screen.findByLabelText('Route key *'), { target: { value: 'X' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create route' }));
    const key = screen.getByLabelText('Route key *');
    await waitFor(() => expect(key.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(key.getAttribute('aria-describedby')!)?.textContent).toBe('must be 3–64 characters');
    const rules = screen.getByLabelText('Routing rules (JSON)');
    expect(document.getElementById(rules.getAttribute('aria-describedby')!)?.textContent).toContain(
      'rules.0.filters.0: a filter needs exactly one of equals, in, exists',
    );
  });

  it('says malformed rules JSON beside the field without asking the API', async () => {
    const requests = serve(() => ({ body: {} }));
    consoleState.role = 'admin';
    render(InboundRoutePage, { routeKey: undefined });
    await fireEvent.input(await screen.findByLabelText('Routing rules (JSON)'), { target: { value: '[{' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create route' }));
    const rules = screen.getByLabelText('Routing rules (JSON)');
    await waitFor(() => expect(rules.getAttribute('aria-invalid')).toBe('true'));
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
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
