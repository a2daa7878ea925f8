// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TurnWaterfall from './TurnWaterfall.svelte';

const turn = (index: number, over: Record<string, unknown> = {}) => ({
  index,
  startedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, index)).toISOString(),
  eouDelayMs: 200,
  sttDurationMs: 100,
  llmTtftMs: 400,
  llmDurationMs: 900,
  ttsTtfbMs: 300,
  responseLatencyMs: 1000,
  interrupted: false,
  interruptedAfterMs: null,
  toolCalls: [],
  ...over,
});

describe('TurnWaterfall', () => {
  it('lays EOU → STT → LLM → TTS end to end on one scale, with the response latency as a tick', () => {
    render(TurnWaterfall, {
      turns: [
        turn(0),
        turn(1, { eouDelayMs: 400, sttDurationMs: 200, llmTtftMs: 800, ttsTtfbMs: 600, responseLatencyMs: 2000 }),
      ],
    });
    const rows = within(screen.getByRole('list', { name: 'Turn waterfall' })).getAllByRole('listitem');
    expect(rows).toHaveLength(2);
    const bars = (row: HTMLElement) =>
      within(row)
        .getAllByRole('img')
        .map((el) => [el.getAttribute('aria-label'), (el as HTMLElement).style.left, (el as HTMLElement).style.width]);
    // The second turn is the longest (2000 ms): the scale; the first is half as long.
    expect(bars(rows[1]!)).toEqual([
      ['EOU 400 ms', '0%', '20%'],
      ['STT 200 ms', '20%', '10%'],
      ['LLM 800 ms', '30%', '40%'],
      ['TTS 600 ms', '70%', '30%'],
    ]);
    expect(bars(rows[0]!)).toEqual([
      ['EOU 200 ms', '0%', '10%'],
      ['STT 100 ms', '10%', '5%'],
      ['LLM 400 ms', '15%', '20%'],
      ['TTS 300 ms', '35%', '15%'],
    ]);
    expect(rows[0]!.getAttribute('aria-label')).toBe('Turn 1: response 1000 ms');
    expect((rows[0]!.querySelector('.tick') as HTMLElement).style.left).toBe('50%');
  });

  it('leaves out a stage the agent did not report, and shows interruptions and tool calls', () => {
    render(TurnWaterfall, {
      turns: [
        turn(0, {
          eouDelayMs: null,
          responseLatencyMs: null,
          interrupted: true,
          interruptedAfterMs: 1500,
          toolCalls: [{ name: 'lookup_order', durationMs: 210, error: true }],
        }),
      ],
    });
    const row = within(screen.getByRole('list', { name: 'Turn waterfall' })).getByRole('listitem');
    expect(
      within(row)
        .getAllByRole('img')
        .map((el) => el.getAttribute('aria-label')),
    ).toEqual(['STT 100 ms', 'LLM 400 ms', 'TTS 300 ms']);
    expect(row.querySelector('.tick')).toBeNull();
    expect(row.textContent).toContain('interrupted at 1500 ms');
    expect(row.textContent).toContain('lookup_order 210 ms · error');
  });
});
