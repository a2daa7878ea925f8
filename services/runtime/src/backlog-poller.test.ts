import { describe, expect, it } from 'vitest';
import { BacklogPoller } from './backlog-poller.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BacklogPoller', () => {
  it('drains a backlog in full batches at once, then polls at the interval', async () => {
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
    await sleep(50);
    expect(passes).toEqual([10, 10, 5]);
    backlog = 3;
    await sleep(50);
    expect(passes).toEqual([10, 10, 5]); // next tick is a minute away
    await poller.stop();
  });

  it('reports a failing pass and tries again at the next tick; stop waits for the pass in flight', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let finished = false;
    const poller = new BacklogPoller(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        await sleep(30);
        finished = true;
        return 0;
      },
      { batchSize: 5, onError: (e) => errors.push(e) },
    );
    poller.start(10);
    await sleep(25);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
    await poller.stop();
    expect(finished).toBe(true);
    const after = calls;
    await sleep(40);
    expect(calls).toBe(after);
  });
});
