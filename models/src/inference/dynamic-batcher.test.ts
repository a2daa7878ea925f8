import { describe, expect, it } from 'vitest';
import { DynamicBatcher, QueueFullError } from './dynamic-batcher.ts';

/** A batch runner whose runs finish when the test says so. */
function gatedRunner() {
  const runs: Array<{ items: number[]; runner: number; finish: () => void }> = [];
  const run = (items: number[], runner: number) =>
    new Promise<number[]>((resolve) => {
      runs.push({ items, runner, finish: () => resolve(items.map((i) => i * 10)) });
    });
  return { runs, run };
}

describe('DynamicBatcher', () => {
  it('runs a request on an idle host at once, without waiting out the window', async () => {
    const { runs, run } = gatedRunner();
    // A window no test could wait out: the run must start without it.
    const batcher = new DynamicBatcher({ maxBatch: 8, maxWaitMs: 3_600_000, maxQueue: 10, runners: 1, run });
    const answer = batcher.submit(1);
    expect(runs.map((r) => r.items)).toEqual([[1]]);
    runs[0]?.finish();
    expect(await answer).toBe(10);
  });

  it('batches what arrives while the runner is busy, up to maxBatch, oldest first', async () => {
    const { runs, run } = gatedRunner();
    const batcher = new DynamicBatcher({ maxBatch: 3, maxWaitMs: 0, maxQueue: 10, runners: 1, run });
    const answers = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    expect(runs.map((r) => r.items)).toEqual([[1]]);
    expect(batcher.depth).toBe(4);
    runs[0]?.finish();
    await expect.poll(() => runs.length).toBe(2);
    expect(runs[1]?.items).toEqual([2, 3, 4]);
    runs[1]?.finish();
    await expect.poll(() => runs.length).toBe(3);
    expect(runs[2]?.items).toEqual([5]);
    runs[2]?.finish();
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50]);
  });

  it('with a runner busy, lets the next request wait for company on the free one', async () => {
    const { runs, run } = gatedRunner();
    const batcher = new DynamicBatcher({ maxBatch: 4, maxWaitMs: 20, maxQueue: 10, runners: 2, run });
    void batcher.submit(1);
    expect(runs).toHaveLength(1);
    void batcher.submit(2);
    void batcher.submit(3);
    // Runner 1 is free but the host is not idle: 2 and 3 wait for the window and go together.
    expect(runs).toHaveLength(1);
    await expect.poll(() => runs.length).toBe(2);
    expect(runs[1]).toMatchObject({ items: [2, 3], runner: 1 });
  });

  it('refuses a request beyond maxQueue at once', async () => {
    const { run } = gatedRunner();
    const batcher = new DynamicBatcher({ maxBatch: 1, maxWaitMs: 0, maxQueue: 2, runners: 1, run });
    void batcher.submit(1);
    void batcher.submit(2);
    void batcher.submit(3);
    await expect(batcher.submit(4)).rejects.toBeInstanceOf(QueueFullError);
  });
});
