import { describe, expect, it } from 'vitest';
import { checkAborted, OperationAborted, OperationQueue } from './operation-queue.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('OperationQueue', () => {
  it('runs one operation at a time, in the order asked', async () => {
    const queue = new OperationQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run('up', async () => {
      log.push('up started');
      await gate.promise;
      log.push('up done');
    });
    const second = queue.run('upgrade', async () => {
      log.push('upgrade started');
    });
    await Promise.resolve();
    expect(queue.pending.map((o) => o.name)).toEqual(['up', 'upgrade']);
    expect(log).toEqual(['up started']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['up started', 'up done', 'upgrade started']);
    expect(queue.pending).toEqual([]);
  });

  it('goes on after an operation fails', async () => {
    const queue = new OperationQueue();
    const failed = queue.run('up', async () => {
      throw new Error('postgres is unhealthy');
    });
    const next = queue.run('status', async () => 'ran');
    await expect(failed).rejects.toThrow('postgres is unhealthy');
    await expect(next).resolves.toBe('ran');
  });

  it('never runs an operation aborted while it waits', async () => {
    const queue = new OperationQueue();
    const gate = deferred();
    const first = queue.run('up', () => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const second = queue.run(
      'restart agent',
      async () => {
        ran = true;
      },
      controller.signal,
    );
    controller.abort();
    gate.resolve();
    await first;
    await expect(second).rejects.toBeInstanceOf(OperationAborted);
    await expect(second).rejects.toThrow('restart agent was cancelled');
    expect(ran).toBe(false);
  });

  it('hands the signal to a running operation, which stops at its next step', async () => {
    const queue = new OperationQueue();
    const controller = new AbortController();
    const steps: number[] = [];
    const running = queue.run(
      'up',
      async (signal) => {
        for (let step = 0; step < 100; step++) {
          checkAborted(signal, 'up');
          steps.push(step);
          if (step === 2) controller.abort();
          await new Promise((r) => setTimeout(r, 1));
        }
      },
      controller.signal,
    );
    await expect(running).rejects.toBeInstanceOf(OperationAborted);
    expect(steps).toEqual([0, 1, 2]);
  });
});
