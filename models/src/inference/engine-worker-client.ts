/**
 * An inference worker thread seen from the service. onnxruntime-node's `session.run()` returns a
 * promise but does the work synchronously on the calling thread (it only defers it with
 * setImmediate), so every model runs in a worker thread: the event loop keeps answering health
 * checks, streams and other requests while a batch is being recognised. Calls are messages with
 * an id; audio crosses as transferred buffers (no copy). A worker that dies rejects what it had
 * and is started again with the same models loaded, in the background.
 */
import { Worker } from 'node:worker_threads';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class WorkerCallError extends Error {
  constructor(
    message: string,
    readonly errorName: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

const WORKER_FILE = new URL(`./engine-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function startWorker(name: string): Worker {
  if (WORKER_FILE.pathname.endsWith('.ts')) {
    // Source checkouts run TypeScript through tsx; a worker thread needs its loader registered itself.
    const tsx = import.meta.resolve('tsx/esm/api');
    return new Worker(
      `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_FILE.href)}); })`,
      { eval: true, name },
    );
  }
  return new Worker(WORKER_FILE, { name });
}

export class EngineWorker {
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Calls that load models, replayed into a restarted worker. */
  private readonly loads: Array<{ method: string; args: unknown }> = [];
  restarts = 0;
  onRestart: ((error: Error) => void) | undefined;

  constructor(readonly name: string) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = startWorker(this.name);
    worker.on('message', (message: { id: number; result?: unknown; error?: { message: string; name: string } }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(new WorkerCallError(message.error.message, message.error.name));
      else pending.resolve(message.result);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the ${this.name} inference worker exited (code ${code})`)));
    return worker;
  }

  private fail(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (this.closed) return;
    this.worker.removeAllListeners();
    void this.worker.terminate();
    this.restarts++;
    this.worker = this.spawn();
    this.onRestart?.(error);
    for (const load of this.loads) void this.call(load.method, load.args).catch(() => {});
  }

  call<T>(method: string, args: unknown, transfer: readonly ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the ${this.name} inference worker is closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args }, [...transfer]);
    });
  }

  /** A call that loads a model: it is made again whenever the worker has to be restarted. */
  async load<T>(method: string, args: unknown): Promise<T> {
    const result = await this.call<T>(method, args);
    this.loads.push({ method, args });
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.pending.values())
      pending.reject(new Error(`the ${this.name} inference worker is closing`));
    this.pending.clear();
    await this.worker.terminate();
  }
}
