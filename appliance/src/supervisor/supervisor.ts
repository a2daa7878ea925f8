import type Docker from 'dockerode';
import { dependencyOrder } from '../stack/stack.ts';
import { imageReference } from '../stack/types.ts';
import { containerName, containerSpec, fitToHost, type HostCapacity, specHash } from './container-spec.ts';
import { EngineEventStream } from './engine-events.ts';
import type { EventSink } from './events.ts';
import { HealthWaiter } from './health-waiter.ts';
import { imagePresent } from './images.ts';
import { demuxAll, followLines, type LogLine } from './logs.ts';
import { checkAborted, OperationQueue } from './operation-queue.ts';
import { pullAll, Reconciler, selectServices } from './reconciler.ts';
import type { ServiceOutcome, ServiceReport, UpgradeReport, UpReport } from './reports.ts';
import { type ResolvedService, type ResolvedStack, snapshotStack } from './resolve.ts';
import { type ExpectedService, type ServiceStatus, serviceStatus } from './status.ts';
import { UpgradeCancelled, Upgrader } from './upgrader.ts';
import { readWatchJournal, StackWatcher, type WatchedService, type WatchOptions } from './watch.ts';

export * from './reports.ts';
export * from './status.ts';

export interface SupervisorOptions {
  docker: Docker;
  stack: ResolvedStack;
  onEvent?: EventSink;
  /** How long one service may take to become healthy (or finish, for a job). */
  healthTimeoutMs?: number;
  /** How often container state is read while waiting. */
  pollIntervalMs?: number;
  /** The host's CPUs and memory; read from the engine (`/info`) when absent. */
  host?: HostCapacity;
  /** The journal of a `StackWatcher` in another process (`speaknode watch`): `status` shows its restarts. */
  watchJournal?: string;
}

export interface UpOptions {
  /** An offline bundle (`docker save` tarball or its manifest) to load instead of pulling. */
  bundle?: string;
  /** Only these services (and what they depend on). */
  only?: string[];
  /** Cancels the operation: while queued it never runs; while running it stops before its next step. */
  signal?: AbortSignal;
}

/**
 * Brings a resolved stack up and keeps it in shape through the Docker Engine API. A facade over its
 * parts: the `Reconciler` (networks, volumes, images, containers created and started in dependency
 * order), the `HealthWaiter`, the `Upgrader`, and one `EngineEventStream` shared with the
 * `StackWatcher` (`watch()`). Operations (`up`, `restart`, `upgrade`, `down`, `pull`) run one at a
 * time through an `OperationQueue`, each with an `AbortSignal` and on a frozen snapshot of the stack
 * taken when it starts: nothing another operation does changes it mid-run, and an upgrade's new
 * definitions take effect only once the upgrade has ended.
 */
export class StackSupervisor {
  readonly docker: Docker;
  /** The engine events of this project, shared by the health waits and the watcher. */
  readonly events: EngineEventStream;
  private definitions: Readonly<ResolvedStack>;
  private host: HostCapacity | undefined;
  private readonly emit: EventSink;
  private readonly healthTimeoutMs: number;
  private readonly queue = new OperationQueue();
  private readonly waiter: HealthWaiter;
  private readonly reconciler: Reconciler;
  private readonly upgrader: Upgrader;
  /** The stack the running operation works on (its health waits read containers of this project). */
  private current: Readonly<ResolvedStack>;
  private watcher: StackWatcher | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.docker = options.docker;
    this.definitions = snapshotStack(options.stack);
    this.current = this.definitions;
    this.emit = options.onEvent ?? (() => {});
    this.healthTimeoutMs = options.healthTimeoutMs ?? 180_000;
    this.host = options.host;
    this.events = EngineEventStream.for(this.docker, this.definitions.project);
    this.waiter = new HealthWaiter({
      inspect: (service) => this.reconciler.inspect(this.current, service),
      tail: (service) => this.reconciler.tail(this.current, service),
      nap: (service, ms, signal) => this.events.nap(service, ms, signal),
      onHealthWait: (service) => this.emit({ type: 'service', service, phase: 'health-wait' }),
      pollIntervalMs: options.pollIntervalMs ?? 500,
    });
    this.reconciler = new Reconciler({
      docker: this.docker,
      emit: this.emit,
      waiter: this.waiter,
      healthTimeoutMs: this.healthTimeoutMs,
    });
    this.upgrader = new Upgrader({
      docker: this.docker,
      emit: this.emit,
      reconciler: this.reconciler,
      waiter: this.waiter,
      healthTimeoutMs: this.healthTimeoutMs,
    });
  }

  /**
   * The definitions the next operation starts from (frozen). Setting it changes what later
   * operations do, never one that is running.
   */
  get stack(): Readonly<ResolvedStack> {
    return this.definitions;
  }

  set stack(next: ResolvedStack) {
    this.definitions = snapshotStack(next);
  }

  /** The engine's CPUs and memory, read once; limits above them are cut (see `fitToHost`). */
  async hostCapacity(): Promise<HostCapacity> {
    if (!this.host) {
      const info = (await this.docker.info()) as { NCPU?: number; MemTotal?: number };
      this.host = {
        cpus: info.NCPU && info.NCPU > 0 ? info.NCPU : Number.POSITIVE_INFINITY,
        memoryMb:
          info.MemTotal && info.MemTotal > 0 ? Math.floor(info.MemTotal / 1024 / 1024) : Number.POSITIVE_INFINITY,
      };
    }
    return this.host;
  }

  /** A frozen snapshot of `stack` with its limits cut to this host: what one operation works on. */
  private async snapshot(stack: Readonly<ResolvedStack> = this.definitions): Promise<Readonly<ResolvedStack>> {
    return snapshotStack(fitToHost(stack as ResolvedStack, await this.hostCapacity()));
  }

  service(name: string): ResolvedService {
    const found = this.definitions.services.find((s) => s.name === name);
    if (!found) {
      throw new Error(
        `no service ${name} in this stack; services: ${this.definitions.services.map((s) => s.name).join(', ')}`,
      );
    }
    return found;
  }

  /** The operations waiting or running (one at a time: see `OperationQueue`). */
  get operations() {
    return this.queue.pending;
  }

  /**
   * Runs `work` as one queued operation on its own frozen stack, with the engine's event stream open
   * so health waits react to `health_status` and `die` at once (polling stays as the fallback).
   */
  private operate<T>(
    name: string,
    signal: AbortSignal | undefined,
    work: (stack: Readonly<ResolvedStack>, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.queue.run(
      name,
      async (own) => {
        const stack = await this.snapshot();
        checkAborted(own, name);
        this.current = stack;
        const subscription = this.events.subscribe(() => {});
        try {
          await subscription.ready;
          return await work(stack, own);
        } finally {
          subscription.dispose();
        }
      },
      signal,
    );
  }

  up(options: UpOptions = {}): Promise<UpReport> {
    return this.operate('up', options.signal, (stack, signal) =>
      this.reconciler.up(stack, { only: options.only, bundle: options.bundle, signal }),
    );
  }

  /** Creates the stack's networks (idempotent). */
  async ensureNetworks(): Promise<void> {
    await this.reconciler.ensureNetworks(this.definitions);
  }

  /** Missing images come from the bundle when one is given, else from their registry. */
  ensureImages(services: ResolvedService[], bundle?: string, signal?: AbortSignal): Promise<void> {
    return this.reconciler.ensureImages(services, bundle, signal);
  }

  /**
   * `speaknode pull`: every missing third-party image of the stack, three at a time, each layer's
   * progress reported. Ours come from `images build` or a bundle, never from a registry: missing ones
   * are named in `missing`.
   */
  pull(options: {
    ourRegistry: string;
    signal?: AbortSignal;
  }): Promise<{ pulled: string[]; present: string[]; missing: string[] }> {
    return this.queue.run(
      'pull',
      async (signal) => {
        const images = [...new Set(this.definitions.services.map((s) => imageReference(s.image)))];
        const present: string[] = [];
        const wanted: string[] = [];
        const missing: string[] = [];
        for (const image of images) {
          checkAborted(signal, 'pull');
          if (await imagePresent(this.docker, image)) {
            present.push(image);
            this.emit({ type: 'image', image, action: 'present' });
          } else if (image.startsWith(`${options.ourRegistry}/`)) {
            missing.push(image);
            this.emit({ type: 'image', image, action: 'missing' });
          } else wanted.push(image);
        }
        await pullAll(this.docker, wanted, this.emit, signal, 'pull');
        return { pulled: wanted, present, missing };
      },
      options.signal,
    );
  }

  /** The last log lines of a service, for error reports. */
  tail(service: string, lines = 10): Promise<string> {
    return this.reconciler.tail(this.definitions, service, lines);
  }

  /** Waits for healthy (daemon with a healthcheck), running (without), or exit 0 (job). */
  waitReady(service: ResolvedService, timeoutMs = this.healthTimeoutMs, signal?: AbortSignal): Promise<ServiceOutcome> {
    const waiter = new HealthWaiter({
      inspect: (name) => this.reconciler.inspect(this.definitions, name),
      tail: (name) => this.reconciler.tail(this.definitions, name),
      nap: (name, ms, s) => this.events.nap(name, ms, s),
      pollIntervalMs: this.options.pollIntervalMs ?? 500,
    });
    const subscription = this.events.subscribe(() => {});
    return subscription.ready
      .then(() => waiter.waitReady(service, timeoutMs, signal))
      .finally(() => subscription.dispose());
  }

  /**
   * State, health, restarts (the engine's and the watcher's), uptime and image of every service, and
   * why one is unhealthy. Every container is inspected at once: one round trip's time.
   */
  async status(): Promise<ServiceStatus[]> {
    const ordered = dependencyOrder(this.definitions.services);
    const [stack, infos, watched] = await Promise.all([
      this.snapshot(),
      Promise.all(ordered.map((service) => this.reconciler.inspect(this.definitions, service.name))),
      this.watched(),
    ]);
    const expected = new Map(this.expectedOf(stack).map((e) => [e.name, e]));
    return ordered.map((service, index) =>
      serviceStatus(expected.get(service.name)!, infos[index], watched[service.name]),
    );
  }

  /** What `status` compares each container with: its image and the hash of its create request, on this host. */
  async expected(): Promise<ExpectedService[]> {
    return this.expectedOf(await this.snapshot());
  }

  private expectedOf(stack: Readonly<ResolvedStack>): ExpectedService[] {
    return dependencyOrder(stack.services).map((service) => ({
      name: service.name,
      image: imageReference(service.image),
      hash: specHash(containerSpec(stack, service)),
    }));
  }

  /** What a watcher did per service: the one in this process, else the journal of `speaknode watch`. */
  private async watched(): Promise<Record<string, WatchedService>> {
    if (this.watcher) return this.watcher.summary();
    if (!this.options.watchJournal) return {};
    const journal = await readWatchJournal(this.options.watchJournal);
    return journal?.project === this.definitions.project ? journal.services : {};
  }

  /**
   * A watcher on the same engine event stream: it brings back services that should run (see
   * `StackWatcher`), leaves the containers alone while an operation runs, and `status` shows its counts.
   */
  async watch(options: Omit<WatchOptions, 'docker' | 'stack' | 'events' | 'busy'> = {}): Promise<StackWatcher> {
    this.watcher?.dispose();
    const watcher = new StackWatcher({
      onEvent: this.emit,
      ...options,
      docker: this.docker,
      stack: this.definitions,
      events: this.events,
      busy: () => this.queue.pending.some((o) => o.startedAt !== undefined),
    });
    this.watcher = watcher;
    const dispose = watcher.dispose.bind(watcher);
    watcher.dispose = () => {
      if (this.watcher === watcher) this.watcher = undefined;
      dispose();
    };
    return watcher.start();
  }

  /** The last `tail` lines of a service's log. */
  async logs(service: string, options: { tail?: number; since?: number } = {}): Promise<LogLine[]> {
    this.service(service);
    const data = (await this.docker.getContainer(containerName(this.definitions.project, service)).logs({
      stdout: true,
      stderr: true,
      follow: false,
      tail: options.tail ?? 100,
      since: options.since ?? 0,
    })) as unknown as Buffer;
    return demuxAll(service, data);
  }

  /** Follows a service's log from the last `tail` lines on; stop() ends it. */
  async followLogs(service: string, options: { tail?: number } = {}) {
    this.service(service);
    const stream = (await this.docker.getContainer(containerName(this.definitions.project, service)).logs({
      stdout: true,
      stderr: true,
      follow: true,
      tail: options.tail ?? 10,
    })) as unknown as NodeJS.ReadableStream;
    return followLines(service, stream as unknown as import('node:stream').Readable);
  }

  /** Restarts one service and waits until it is healthy again. */
  restart(name: string, options: { signal?: AbortSignal } = {}): Promise<ServiceReport> {
    this.service(name);
    return this.operate(`restart ${name}`, options.signal, (stack, signal) =>
      this.reconciler.restart(stack, name, signal),
    );
  }

  /**
   * Stops and removes the stack's containers, dependents first, then its network. Volumes (the
   * data) stay unless `removeVolumes` is set.
   */
  down(
    options: { removeVolumes?: boolean; timeoutS?: number; signal?: AbortSignal } = {},
  ): Promise<{ removed: string[] }> {
    return this.operate('down', options.signal, (stack, signal) => this.reconciler.down(stack, { ...options, signal }));
  }

  /**
   * Moves to `next` (new pinned images or settings) one service at a time, in dependency order. A
   * service whose new container does not become healthy is rolled back to its old container, and the
   * upgrade stops there. `stack` becomes what the engine then runs once the upgrade has ended.
   */
  upgrade(next: ResolvedStack, options: { bundle?: string; signal?: AbortSignal } = {}): Promise<UpgradeReport> {
    const target = snapshotStack(next);
    return this.operate('upgrade', options.signal, async (_previous, signal) => {
      const fitted = await this.snapshot(target);
      this.current = fitted;
      try {
        const { report, kept } = await this.upgrader.upgrade(fitted, { bundle: options.bundle, signal });
        this.adopt(target, kept);
        return report;
      } catch (error) {
        if (error instanceof UpgradeCancelled) this.adopt(target, error.kept);
        throw error;
      }
    });
  }

  /**
   * After an upgrade: `target`'s definitions, except that the services in `kept` (rolled back, or not
   * reached) keep their previous one — and a new one not reached is left out.
   */
  private adopt(target: Readonly<ResolvedStack>, kept: readonly string[]): void {
    const previous = new Map(this.definitions.services.map((s) => [s.name, s]));
    const keep = new Set(kept);
    const services = target.services.flatMap((s) => {
      if (!keep.has(s.name)) return [s];
      const old = previous.get(s.name);
      return old ? [old] : [];
    });
    this.definitions = snapshotStack({ ...target, services } as ResolvedStack);
  }
}

export { selectServices };
