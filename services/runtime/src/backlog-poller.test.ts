import { afterEach, describe, expect, it, vi } from 'vitest';
import { BacklogPoller } from './backlog-poller.ts';

/** A promise the test resolves when it chooses. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BacklogPoller', () => {
  it('drains a backlog in full batches at once, then polls at the interval', async () => {
    vi.useFakeTimers();
    let backlog = 25;
    const passes: number[] = [];
    const poller = new BacklogPoller(
      async (size) => {
        const handled = Math.min(size, backlog);
        backlog -= handled;
        passes.push(handled);
        return handled;
      },
      { batchSize: 10, onError: () => {} },
    );
    poller.start(60_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toEqual([10, 10, 5]);
    backlog = 3;
    await vi.advanceTimersByTimeAsync(59_999);
    expect(passes).toEqual([10, 10, 5]); // the next tick is a minute after the last pass
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toEqual([10, 10, 5, 3]);
    await poller.stop();
  });

  it('reports a failing pass and tries again at the next tick; stop waits for the pass in flight', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    let finished = false;
    const second = gate();
    const secondStarted = gate();
    const poller = new BacklogPoller(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        secondStarted.open();
        await second.opened;
        finished = true;
        return 0;
      },
      { batchSize: 5, onError: (e) => errors.push(e) },
    );
    poller.start(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([new Error('database down')]);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    await secondStarted.opened;
    expect(calls).toBe(2);
    const stopped = poller.stop();
    let stopResolved = false;
    void stopped.then(() => {
      stopResolved = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopResolved).toBe(false); // the pass in flight holds stop()
    second.open();
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2); // nothing runs after stop
  });
});
