/** An operation given up on through its `AbortSignal`, before it ran or while it ran. */
export class OperationAborted extends Error {
  constructor(readonly operation: string) {
    super(`${operation} was cancelled`);
    this.name = 'OperationAborted';
  }
}

export interface QueuedOperation {
  name: string;
  /** When it was asked for (ms since the epoch). */
  queuedAt: number;
  startedAt?: number;
}

/**
 * Runs the supervisor's operations (up, restart, upgrade, down) one at a time, in the order asked:
 * none of them sees another one's half-done change (an upgrade rewriting the stack while an `up`
 * starts services). Each takes an `AbortSignal`: aborted while waiting, it never runs; aborted while
 * running, the work sees `signal.aborted` at its next step and stops with `OperationAborted`.
 */
export class OperationQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting: QueuedOperation[] = [];
  private current: QueuedOperation | undefined;

  /** What runs now and what waits, for a console that shows it. */
  get pending(): readonly QueuedOperation[] {
    return this.current ? [this.current, ...this.waiting] : [...this.waiting];
  }

  run<T>(name: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry: QueuedOperation = { name, queuedAt: Date.now() };
    this.waiting.push(entry);
    const own = signal ?? new AbortController().signal;
    const result = this.tail.then(async () => {
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      if (own.aborted) throw new OperationAborted(name);
      this.current = entry;
      entry.startedAt = Date.now();
      try {
        return await work(own);
      } finally {
        this.current = undefined;
      }
    });
    // The next operation waits for this one to end, however it ends.
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}

/** Throws `OperationAborted` when the signal says so: called between the steps of an operation. */
export function checkAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new OperationAborted(operation);
}
