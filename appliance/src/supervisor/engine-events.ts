import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { LABEL_PROJECT, LABEL_SERVICE } from './container-spec.ts';

/** One line of the engine's `/events` stream, as far as we read it. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** A container event of one of the project's services. */
export interface ServiceEvent {
  service: string;
  /** `die`, `start`, `health_status: unhealthy`, … */
  action: string;
  /** The container's id. */
  containerId?: string;
  attributes: Record<string, string>;
}

export interface EventSubscription {
  /** true once the stream is open, false when the engine refused it (callers then poll). */
  readonly ready: Promise<boolean>;
  dispose(): void;
}

export interface SubscribeOptions {
  /** Called after the stream was re-opened following a drop: events may have been missed meanwhile. */
  onReconnect?: () => void;
}

/**
 * The engine's event stream for one project's containers, opened once and shared: the supervisor's
 * health waits and the watcher listen to the same connection. It opens with the first subscriber,
 * re-opens when the engine drops it (after `reconnectMs`), and closes with the last one.
 * `EngineEventStream.for(docker, project)` hands everyone using the same Docker client the same stream.
 */
export class EngineEventStream {
  private static readonly shared = new WeakMap<Docker, Map<string, EngineEventStream>>();

  static for(docker: Docker, project: string): EngineEventStream {
    let byProject = EngineEventStream.shared.get(docker);
    if (!byProject) {
      byProject = new Map();
      EngineEventStream.shared.set(docker, byProject);
    }
    let stream = byProject.get(project);
    if (!stream) {
      stream = new EngineEventStream(docker, project);
      byProject.set(project, stream);
    }
    return stream;
  }

  private readonly listeners = new Set<{ listener: (event: ServiceEvent) => void; options: SubscribeOptions }>();
  private readonly wakers = new Map<string, Set<() => void>>();
  private stream: Readable | undefined;
  private opening: Promise<boolean> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** How many times the stream was opened (for tests and diagnostics). */
  connections = 0;

  constructor(
    private readonly docker: Docker,
    readonly project: string,
    private readonly options: { reconnectMs?: number } = {},
  ) {}

  get subscribers(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: ServiceEvent) => void, options: SubscribeOptions = {}): EventSubscription {
    const entry = { listener, options };
    this.listeners.add(entry);
    const ready = this.stream ? Promise.resolve(true) : this.open(false);
    let disposed = false;
    return {
      ready,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.listeners.delete(entry);
        if (this.listeners.size === 0) this.close();
      },
    };
  }

  /**
   * Sleeps until `ms` pass, an event about `service` arrives, or `signal` aborts. Without a
   * subscriber the stream is closed and only the timer wakes it (the caller's poll).
   */
  nap(service: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(service) ?? new Set();
      this.wakers.set(service, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }

  private open(reconnect: boolean): Promise<boolean> {
    if (this.opening) return this.opening;
    this.opening = (async () => {
      try {
        const stream = (await this.docker.getEvents({
          filters: { type: ['container'], label: [`${LABEL_PROJECT}=${this.project}`] },
        })) as unknown as Readable;
        if (this.listeners.size === 0) {
          stream.destroy();
          return false;
        }
        this.stream = stream;
        this.connections++;
        let buffer = '';
        stream.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            const line = buffer.slice(0, i).trim();
            buffer = buffer.slice(i + 1);
            if (line) this.dispatch(line);
          }
        });
        const dropped = () => {
          if (this.stream !== stream) return;
          this.stream = undefined;
          this.scheduleReconnect();
        };
        stream.on('end', dropped);
        stream.on('close', dropped);
        stream.on('error', dropped);
        if (reconnect) for (const { options } of [...this.listeners]) options.onReconnect?.();
        return true;
      } catch {
        this.scheduleReconnect();
        return false;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  private scheduleReconnect(): void {
    if (this.listeners.size === 0 || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.listeners.size > 0 && !this.stream) void this.open(true);
    }, this.options.reconnectMs ?? 1000);
    this.reconnectTimer.unref?.();
  }

  private dispatch(line: string): void {
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      return; // not an event line: skipped, never fatal
    }
    const attributes = event.Actor?.Attributes ?? {};
    const service = attributes[LABEL_SERVICE];
    if (!service) return;
    const parsed: ServiceEvent = {
      service,
      action: event.Action ?? event.status ?? '',
      containerId: event.Actor?.ID ?? event.id,
      attributes,
    };
    for (const wake of [...(this.wakers.get(service) ?? [])]) wake();
    for (const { listener } of [...this.listeners]) {
      try {
        listener(parsed);
      } catch {
        // One listener's mistake does not stop the others.
      }
    }
  }

  private close(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.destroy();
  }
}
