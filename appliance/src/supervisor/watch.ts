import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { containerName, LABEL_PROJECT, LABEL_SERVICE } from './container-spec.ts';
import type { Disposable, EventSink } from './events.ts';
import type { ResolvedStack } from './resolve.ts';

export interface WatchRecord {
  time: string;
  service: string;
  event: 'crashed' | 'health' | 'restarted' | 'started' | 'stopped' | 'gave-up';
  exitCode?: number;
  health?: string;
  detail?: string;
}

export interface WatchOptions {
  docker: Docker;
  stack: ResolvedStack;
  onEvent?: EventSink;
  /**
   * Bring back every daemon that should run: one whose healthcheck turned unhealthy (the engine only
   * restarts exited containers), and one that stopped and that the engine's policy leaves down (a
   * `docker kill` counts as a deliberate stop for `unless-stopped`). At most `maxRestarts` within
   * `windowMs` per service, so a broken service is not restarted forever; then a `gave-up` record.
   */
  restartUnhealthy?: boolean;
  maxRestarts?: number;
  windowMs?: number;
  /** How long after a stop the engine's own restart policy gets before the watcher steps in. */
  settleMs?: number;
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
  private readonly gaveUp = new Set<string>();
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
      void this.bringBack(service);
    } else if (action === 'start') {
      this.record({ service, event: 'started' });
    } else if (action.startsWith('health_status')) {
      const health = action.split(':')[1]?.trim() ?? '';
      this.record({ service, event: 'health', health });
      if (health === 'unhealthy') void this.maybeRestart(service);
    }
  }

  /** Whether the watcher may restart `service` once more now; records `gave-up` the first time it may not. */
  private mayRestart(service: string): boolean {
    const definition = this.options.stack.services.find((s) => s.name === service);
    if (!this.options.restartUnhealthy || !definition || definition.kind !== 'daemon' || definition.restart === 'no') {
      return false;
    }
    const now = Date.now();
    const window = this.options.windowMs ?? 600_000;
    const max = this.options.maxRestarts ?? 3;
    const recent = (this.restartTimes.get(service) ?? []).filter((t) => now - t < window);
    if (recent.length >= max) {
      if (!this.gaveUp.has(service)) {
        this.gaveUp.add(service);
        this.record({
          service,
          event: 'gave-up',
          detail: `restarted ${recent.length} times in ${Math.round(window / 60_000)} min; left as it is: see \`speaknode logs ${service}\`, then \`speaknode restart ${service}\``,
        });
      }
      return false;
    }
    this.gaveUp.delete(service);
    recent.push(now);
    this.restartTimes.set(service, recent);
    return true;
  }

  private async maybeRestart(service: string): Promise<void> {
    if (!this.mayRestart(service)) return;
    try {
      await this.options.docker.getContainer(containerName(this.options.stack.project, service)).restart({ t: 10 });
      this.record({ service, event: 'restarted' });
    } catch {
      // Gone or already restarting: the next event tells.
    }
  }

  /** After a stop, gives the engine's policy a moment; a daemon still down then is started again. */
  private async bringBack(service: string): Promise<void> {
    if (!this.options.restartUnhealthy) return;
    await new Promise((resolve) => setTimeout(resolve, this.options.settleMs ?? 2_000));
    if (this.stopped) return;
    const container = this.options.docker.getContainer(containerName(this.options.stack.project, service));
    try {
      const info = await container.inspect();
      if (info.State.Running || info.State.Restarting) return;
      if (!this.mayRestart(service)) return;
      await container.start();
      this.record({ service, event: 'restarted', detail: `it had stopped (exit code ${info.State.ExitCode})` });
    } catch {
      // Removed meanwhile (`down`), or starting failed: the next event tells.
    }
  }

  dispose(): void {
    this.stopped = true;
    this.stream?.destroy();
  }
}
