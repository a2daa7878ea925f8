import { rename, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { containerName } from './container-spec.ts';
import { EngineEventStream, type EventSubscription, type ServiceEvent } from './engine-events.ts';
import type { Disposable, EventSink } from './events.ts';
import type { ResolvedStack } from './resolve.ts';
import type { WatchedService, WatchJournal } from './watch-journal.ts';

export { readWatchJournal, type WatchedService, type WatchJournal } from './watch-journal.ts';

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
  stack: Readonly<ResolvedStack>;
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
  /** The engine event stream to listen on; default: the one shared by everyone using `docker`. */
  events?: EngineEventStream;
  /**
   * A file the watcher keeps its per-service counts in (restarts it made, whether it gave up), so a
   * `status` in another process can show them (`readWatchJournal`).
   */
  journal?: string;
  /** While this says true (an operation of the supervisor runs), the watcher leaves stopped services to it. */
  busy?: () => boolean;
}

/**
 * Follows the engine's event stream for this project's containers: records crashes (a `die` with a
 * non-zero exit code) and health changes, and brings back what should run (see `restartUnhealthy`).
 * After the stream drops and comes back it looks at every service (events may have been missed).
 * `dispose()` stops it.
 */
export class StackWatcher implements Disposable {
  readonly records: WatchRecord[] = [];
  private subscription: EventSubscription | undefined;
  private stopped = false;
  private readonly restartTimes = new Map<string, number[]>();
  private readonly services = new Map<string, WatchedService>();
  private readonly emit: EventSink;
  private readonly events: EngineEventStream;
  private writing: Promise<void> = Promise.resolve();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  /** Services the watcher itself is starting: their `start` event is not somebody else's repair. */
  private readonly starting = new Set<string>();

  constructor(private readonly options: WatchOptions) {
    this.emit = options.onEvent ?? (() => {});
    this.events = options.events ?? EngineEventStream.for(options.docker, options.stack.project);
  }

  async start(): Promise<this> {
    const subscription = this.events.subscribe((event) => this.handle(event), { onReconnect: () => this.sweep() });
    this.subscription = subscription;
    if (!(await subscription.ready)) {
      subscription.dispose();
      throw new Error('the engine refused its event stream (GET /events)');
    }
    this.sweep();
    return this;
  }

  /** Per service: what the watcher did (restarts, gave up), as also written to the journal. */
  summary(): Record<string, WatchedService> {
    return Object.fromEntries([...this.services].map(([name, s]) => [name, { ...s }]));
  }

  private record(record: Omit<WatchRecord, 'time'>) {
    this.records.push({ time: new Date().toISOString(), ...record });
    this.emit({ type: 'watch', ...record });
  }

  private handle(event: ServiceEvent): void {
    const { service, action, attributes } = event;
    if (action === 'die') {
      const exitCode = Number(attributes.exitCode ?? 0);
      this.record({ service, event: exitCode === 0 ? 'stopped' : 'crashed', exitCode });
      void this.bringBack(service);
    } else if (action === 'start') {
      this.record({ service, event: 'started' });
      // Started by somebody else (`speaknode restart`, `up`): a service given up on gets a fresh chance.
      const entry = this.services.get(service);
      if (!this.starting.delete(service) && entry?.gaveUp) {
        entry.gaveUp = undefined;
        entry.gaveUpAt = undefined;
        this.restartTimes.delete(service);
        this.save();
      }
    } else if (action.startsWith('health_status')) {
      const health = action.split(':')[1]?.trim() ?? '';
      this.record({ service, event: 'health', health });
      if (health === 'unhealthy') void this.restartUnhealthy(service);
    }
  }

  /** Every daemon that exists but is not running is looked at (at start, and after a reconnect). */
  private sweep(): void {
    if (!this.options.restartUnhealthy) return;
    for (const service of this.options.stack.services) {
      if (service.kind === 'daemon' && service.restart !== 'no') void this.bringBack(service.name, 0);
    }
  }

  private definition(service: string) {
    const definition = this.options.stack.services.find((s) => s.name === service);
    return definition && definition.kind === 'daemon' && definition.restart !== 'no' ? definition : undefined;
  }

  /** Whether the watcher may restart `service` once more now; records `gave-up` the first time it may not. */
  private mayRestart(service: string, containerId: string): boolean {
    if (!this.options.restartUnhealthy || !this.definition(service)) return false;
    const entry = this.entry(service, containerId);
    const now = Date.now();
    const window = this.options.windowMs ?? 600_000;
    const max = this.options.maxRestarts ?? 3;
    const recent = (this.restartTimes.get(service) ?? []).filter((t) => now - t < window);
    if (recent.length >= max) {
      if (!entry.gaveUp) {
        entry.gaveUp = `restarted ${recent.length} times in ${Math.round(window / 60_000)} min; left as it is: see \`speaknode logs ${service}\`, then \`speaknode restart ${service}\``;
        entry.gaveUpAt = new Date().toISOString();
        this.record({ service, event: 'gave-up', detail: entry.gaveUp });
        this.save();
      }
      return false;
    }
    entry.gaveUp = undefined;
    entry.gaveUpAt = undefined;
    recent.push(now);
    this.restartTimes.set(service, recent);
    return true;
  }

  /** The counts of `service`, reset when its container is another one than they were counted for. */
  private entry(service: string, containerId: string): WatchedService {
    let entry = this.services.get(service);
    if (!entry || entry.containerId !== containerId) {
      entry = { containerId, restarts: 0 };
      this.services.set(service, entry);
      this.restartTimes.delete(service);
    }
    return entry;
  }

  private restarted(service: string, detail?: string) {
    const entry = this.services.get(service);
    if (entry) {
      entry.restarts++;
      entry.lastRestartAt = new Date().toISOString();
    }
    this.record({ service, event: 'restarted', ...(detail ? { detail } : {}) });
    this.save();
  }

  private async restartUnhealthy(service: string): Promise<void> {
    if (!this.options.restartUnhealthy || !this.definition(service) || this.stopped) return;
    const container = this.options.docker.getContainer(containerName(this.options.stack.project, service));
    try {
      const info = await container.inspect();
      if (!this.mayRestart(service, info.Id)) return;
      this.starting.add(service);
      await container.restart({ t: 10 });
      this.restarted(service, 'its health check failed');
    } catch {
      // Gone or already restarting: the next event tells.
      this.starting.delete(service);
    }
  }

  /** After a stop, gives the engine's policy a moment; a daemon still down then is started again. */
  private async bringBack(service: string, settleMs = this.options.settleMs ?? 2_000): Promise<void> {
    if (!this.options.restartUnhealthy || !this.definition(service)) return;
    await this.sleep(settleMs);
    // An operation of the supervisor (up, down, upgrade) owns the containers while it runs.
    while (!this.stopped && this.options.busy?.()) await this.sleep(Math.max(settleMs, 200));
    if (this.stopped) return;
    const container = this.options.docker.getContainer(containerName(this.options.stack.project, service));
    try {
      const info = await container.inspect();
      const state = info.State;
      if (state.Running || state.Restarting || state.Status === 'created' || state.Status === 'removing') return;
      if (!this.mayRestart(service, info.Id)) return;
      this.starting.add(service);
      await container.start();
      this.restarted(service, `it had stopped (exit code ${state.ExitCode})`);
    } catch {
      // Removed meanwhile (`down`), or starting failed: the next event tells.
      this.starting.delete(service);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private save(): void {
    const path = this.options.journal;
    if (!path) return;
    const journal: WatchJournal = {
      project: this.options.stack.project,
      updatedAt: new Date().toISOString(),
      services: this.summary(),
    };
    // One write at a time, each whole (a temporary file renamed over the journal).
    this.writing = this.writing
      .then(async () => {
        await writeFile(`${path}.tmp`, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600 });
        await rename(`${path}.tmp`, path);
      })
      .catch(() => {});
  }

  /** Resolves once the journal holds everything recorded so far. */
  flushed(): Promise<void> {
    return this.writing;
  }

  dispose(): void {
    this.stopped = true;
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
    this.subscription?.dispose();
  }
}
