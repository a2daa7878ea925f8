import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { containerName, LABEL_PROJECT, LABEL_SERVICE } from './container-spec.ts';
import type { Disposable, EventSink } from './events.ts';
import type { ResolvedStack } from './resolve.ts';

export interface WatchRecord {
  time: string;
  service: string;
  event: 'crashed' | 'health' | 'restarted' | 'started' | 'stopped';
  exitCode?: number;
  health?: string;
}

export interface WatchOptions {
  docker: Docker;
  stack: ResolvedStack;
  onEvent?: EventSink;
  /**
   * Restart a daemon whose healthcheck turned unhealthy (the engine itself only restarts exited
   * containers). At most `maxRestarts` within `windowMs` per service, so a broken service is not
   * restarted forever.
   */
  restartUnhealthy?: boolean;
  maxRestarts?: number;
  windowMs?: number;
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  Actor?: { Attributes?: Record<string, string> };
}

/**
 * Follows the engine's event stream for this project's containers: records crashes (a `die` with a
 * non-zero exit code) and health changes, and restarts what the policy says. Reconnects when the
 * stream drops. `dispose()` stops it.
 */
export class StackWatcher implements Disposable {
  readonly records: WatchRecord[] = [];
  private stream: Readable | undefined;
  private stopped = false;
  private readonly restartTimes = new Map<string, number[]>();
  private readonly emit: EventSink;

  constructor(private readonly options: WatchOptions) {
    this.emit = options.onEvent ?? (() => {});
  }

  async start(): Promise<this> {
    await this.connect();
    return this;
  }

  private async connect(): Promise<void> {
    const stream = (await this.options.docker.getEvents({
      filters: { type: ['container'], label: [`${LABEL_PROJECT}=${this.options.stack.project}`] },
    })) as unknown as Readable;
    this.stream = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) {
          try {
            this.handle(JSON.parse(line) as EngineEvent);
          } catch {
            // A malformed event line is skipped, never fatal for the loop.
          }
        }
        newline = buffer.indexOf('\n');
      }
    });
    const reconnect = () => {
      if (this.stopped) return;
      setTimeout(() => {
        if (!this.stopped) this.connect().catch(() => reconnect());
      }, 1000);
    };
    stream.on('end', reconnect);
    stream.on('error', reconnect);
  }

  private record(record: Omit<WatchRecord, 'time'>) {
    this.records.push({ time: new Date().toISOString(), ...record });
    this.emit({ type: 'watch', ...record });
  }

  private handle(event: EngineEvent): void {
    const attributes = event.Actor?.Attributes ?? {};
    const service = attributes[LABEL_SERVICE];
    const action = event.Action ?? event.status ?? '';
    if (!service) return;
    if (action === 'die') {
      const exitCode = Number(attributes.exitCode ?? 0);
      this.record({ service, event: exitCode === 0 ? 'stopped' : 'crashed', exitCode });
    } else if (action === 'start') {
      this.record({ service, event: 'started' });
    } else if (action.startsWith('health_status')) {
      const health = action.split(':')[1]?.trim() ?? '';
      this.record({ service, event: 'health', health });
      if (health === 'unhealthy') void this.maybeRestart(service);
    }
  }

  private async maybeRestart(service: string): Promise<void> {
    const definition = this.options.stack.services.find((s) => s.name === service);
    if (!this.options.restartUnhealthy || !definition || definition.restart === 'no') return;
    const now = Date.now();
    const window = this.options.windowMs ?? 600_000;
    const recent = (this.restartTimes.get(service) ?? []).filter((t) => now - t < window);
    if (recent.length >= (this.options.maxRestarts ?? 3)) return;
    recent.push(now);
    this.restartTimes.set(service, recent);
    try {
      await this.options.docker.getContainer(containerName(this.options.stack.project, service)).restart({ t: 10 });
      this.record({ service, event: 'restarted' });
    } catch {
      // Gone or already restarting: the next event tells.
    }
  }

  dispose(): void {
    this.stopped = true;
    this.stream?.destroy();
  }
}
