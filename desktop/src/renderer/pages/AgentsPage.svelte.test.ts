// @vitest-environment jsdom
import { render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlClient } from '../lib/api/control-client.ts';
import { consoleState } from '../lib/console-state.svelte.ts';
import AgentsPage from './AgentsPage.svelte';

const SPACE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** The page against a stand-in for control's agents list (fetch at the boundary). */
function serveAgents(pages: Array<{ items: unknown[]; nextCursor: string | null }>) {
  const requests: URL[] = [];
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    requests.push(url);
    const page = url.searchParams.get('cursor') ? pages[1] : pages[0];
    return new Response(JSON.stringify(page), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  consoleState.client = createControlClient('http://control.test', {
    accessToken: async () => 'token',
    refresh: async () => undefined,
  });
  consoleState.spaceId = SPACE;
  return requests;
}

const agent = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  name: `Agent ${n}`,
  language: 'en-US',
  llm: { provider: 'openai-compatible', model: 'm' },
  toolIds: [],
  updatedAt: new Date(0).toISOString(),
});

afterEach(() => {
  consoleState.role = undefined;
});

describe('AgentsPage', () => {
  it('lists agents, pages with the cursor, and offers “New agent” to editors', async () => {
    const requests = serveAgents([
      { items: [agent(1), agent(2)], nextCursor: 'next' },
      { items: [agent(3)], nextCursor: null },
    ]);
    consoleState.role = 'editor';
    render(AgentsPage);
    await screen.findByRole('link', { name: 'Agent 1' });
    expect(screen.getByRole('button', { name: 'New agent' })).toBeTruthy();
    screen.getByRole('button', { name: 'Load more' }).click();
    await screen.findByRole('link', { name: 'Agent 3' });
    expect(requests.map((r) => r.searchParams.get('cursor'))).toEqual([null, 'next']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows a viewer the list without edit controls, and says what to do when it is empty', async () => {
    serveAgents([{ items: [], nextCursor: null }]);
    consoleState.role = 'viewer';
    render(AgentsPage);
    await waitFor(() => expect(screen.getByText(/No agents yet. An editor of this space can create one./)).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'New agent' })).toBeNull();
  });
});
