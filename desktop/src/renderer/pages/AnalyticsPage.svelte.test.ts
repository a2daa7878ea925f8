// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createControlClient } from '../lib/api/control-client.ts';
import type { ChartSpec } from '../lib/charts.ts';
import { consoleState } from '../lib/console-state.svelte.ts';
import AnalyticsPage from './AnalyticsPage.svelte';

// Chart.js draws on a canvas jsdom does not have: the lazily loaded chart code is replaced by a
// recorder of what it was asked to draw.
const drawn = vi.hoisted(() => new Map<string, ChartSpec>());
vi.mock('../lib/chart-loader.ts', () => ({
  loadCharts: async () => ({ drawChart }),
}));
function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec) {
  const label = canvas.getAttribute('aria-label') ?? '';
  drawn.set(label, spec);
  return { update: (next: ChartSpec) => drawn.set(label, next), destroy: () => drawn.delete(label) };
}

const SPACE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const AGENT = '00000000-0000-4000-8000-000000000001';
const q = (p50: number | null, p90: number | null, p99: number | null, count = 10) => ({ count, p50, p90, p99 });

function reportOf(calls: number) {
  return {
    source: 'postgresql',
    range: { from: '2026-11-25T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', bucket: 'day' },
    totals: {
      calls,
      minutes: 42.5,
      peakConcurrency: 3,
      turns: calls * 5,
      interruptedTurns: 4,
      interruptionRate: calls ? 0.08 : null,
      toolCalls: 10,
      toolErrors: 1,
      toolErrorRate: 0.1,
      costUsd: 1.2345,
    },
    outcomes: [
      { endReason: 'caller_hangup', calls: 7 },
      { endReason: 'provider_error', calls: 3 },
    ],
    latencyMs: {
      eou: q(120, 300, 480),
      stt: q(80, 150, 210),
      llmTtft: q(350, 700, 1200),
      llmTotal: q(900, 1800, 2500),
      ttsTtfb: q(150, 260, 400),
      response: q(720, 1300, 2100),
    },
    interruptedAfterMs: q(1500, 3000, 4000, 4),
    tools: [{ name: 'lookup_order', calls: 10, errors: 1, durationMs: q(210, 400, 500) }],
    cost: [
      { kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', unit: 'prompt_tokens', quantity: 1000, costUsd: 1 },
      { kind: 'tts', provider: 'elevenlabs', model: 'flash', unit: 'characters', quantity: 500, costUsd: 0.2345 },
    ],
    buckets: [
      {
        start: '2026-11-30T00:00:00.000Z',
        calls: 6,
        minutes: 20,
        peakConcurrency: 2,
        turns: 30,
        responseLatencyMs: q(700, 1200, 2000),
      },
      {
        start: '2026-12-01T00:00:00.000Z',
        calls: 4,
        minutes: 22.5,
        peakConcurrency: 3,
        turns: 20,
        responseLatencyMs: q(740, 1400, 2200),
      },
    ],
  };
}

/** Control's analytics and agents routes, at the fetch boundary. */
function serve(report: unknown, status = 200) {
  const requests: URL[] = [];
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    requests.push(url);
    const body = url.pathname.endsWith('/agents')
      ? {
          items: [
            {
              id: AGENT,
              name: 'Order desk',
              language: 'en-US',
              llm: { provider: 'openai', model: 'm' },
              toolIds: [],
              updatedAt: new Date(0).toISOString(),
            },
          ],
          nextCursor: null,
        }
      : status === 200
        ? report
        : { type: 'about:blank', title: 'Internal Server Error', status, detail: 'the analytics store is down' };
    return new Response(JSON.stringify(body), {
      status: url.pathname.endsWith('/agents') ? 200 : status,
      headers: { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' },
    });
  }) as typeof fetch;
  consoleState.client = createControlClient('http://control.test', {
    accessToken: async () => 'token',
    refresh: async () => undefined,
  });
  consoleState.spaceId = SPACE;
  return requests.filter.bind(requests);
}

beforeEach(() => drawn.clear());
afterEach(() => {
  consoleState.spaceId = undefined;
});

describe('AnalyticsPage', () => {
  it('shows the totals, the percentiles per stage and the charts of the report', async () => {
    serve(reportOf(10));
    render(AnalyticsPage);
    const totals = await screen.findByLabelText('Totals');
    expect(totals.textContent).toMatch(/Calls\s*10/);
    expect(totals.textContent).toMatch(/Minutes\s*42\.5/);
    expect(totals.textContent).toMatch(/Peak concurrency\s*3/);
    expect(totals.textContent).toMatch(/720 ms \/ 1300 ms/);
    expect(totals.textContent).toMatch(/Interruption rate\s*8\.0 %/);
    expect(totals.textContent).toMatch(/Tool error rate\s*10\.0 %/);
    const stages = within(screen.getByRole('table', { name: 'Latency percentiles' })).getAllByRole('row');
    expect(stages.map((r) => r.textContent)).toContain('LLM first token350 ms700 ms1200 ms10');
    await waitFor(() => expect(drawn.size).toBe(6));
    expect(drawn.get('Latency per stage')?.series.map((s) => s.values[0])).toEqual([120, 300, 480]);
    expect(drawn.get('Calls and minutes per day')?.series[0]?.values).toEqual([6, 4]);
    expect(drawn.get('Peak concurrent calls per day')?.series[0]?.values).toEqual([2, 3]);
    expect(drawn.get('Outcomes')?.labels).toEqual(['caller_hangup', 'provider_error']);
    // Cost per provider, largest first.
    expect(drawn.get('Cost by provider')).toMatchObject({
      labels: ['openai', 'elevenlabs'],
      series: [{ values: [1, 0.2345] }],
    });
  });

  it('asks for the chosen range and agent (24 hours by hour)', async () => {
    const requests = serve(reportOf(10));
    render(AnalyticsPage);
    await screen.findByRole('table', { name: 'Latency percentiles' });
    const analytics = () => requests((u) => u.pathname.endsWith('/analytics'));
    expect(analytics()[0]?.searchParams.get('bucket')).toBe('day');
    await fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '24h' } });
    await waitFor(() => expect(analytics().at(-1)?.searchParams.get('bucket')).toBe('hour'));
    const last = analytics().at(-1)!;
    const span = Date.parse(last.searchParams.get('to')!) - Date.parse(last.searchParams.get('from')!);
    expect(span).toBe(24 * 3_600_000);
    await screen.findByRole('option', { name: 'Order desk' });
    await fireEvent.change(screen.getByLabelText('Agent'), { target: { value: AGENT } });
    await waitFor(() => expect(analytics().at(-1)?.searchParams.get('agentId')).toBe(AGENT));
  });

  it('says what to expect when there are no calls, and shows a failure with a retry', async () => {
    serve(reportOf(0));
    const first = render(AnalyticsPage);
    await screen.findByText(/No calls in this range yet/);
    expect(drawn.size).toBe(0);
    first.unmount();
    serve(undefined, 500);
    render(AnalyticsPage);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/analytics store is down|Internal Server Error/);
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
