import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { dependencyOrder } from '../stack/stack.ts';
import { imageReference } from '../stack/types.ts';
import {
  containerName,
  containerSpec,
  fitToHost,
  type HostCapacity,
  LABEL_HASH,
  LABEL_PROJECT,
  LABEL_SERVICE,
  networkName,
  specHash,
  volumeName,
} from './container-spec.ts';
import type { EventSink, ServicePhase } from './events.ts';
import { imagePresent, loadBundle, pullImage } from './images.ts';
import { demuxAll, followLines, type LogLine } from './logs.ts';
import { checkAborted, OperationQueue } from './operation-queue.ts';
import type { ResolvedService, ResolvedStack } from './resolve.ts';

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
}

export type ServiceOutcome = 'healthy' | 'running' | 'completed' | 'failed' | 'skipped';

export interface ServiceReport {
  service: string;
  /** What `up` did to the container. */
  action: 'created' | 'recreated' | 'started' | 'unchanged' | 'none';
  outcome: ServiceOutcome;
  /** Why it failed or was skipped, with the last health-check output or log lines. */
  error?: string;
  /** From dependencies ready to this service ready (start included). */
  elapsedMs: number;
  /** From its container running to healthy / completed: the health wait alone. */
  healthWaitMs?: number;
}

export interface UpReport {
  ok: boolean;
  durationMs: number;
  services: ServiceReport[];
}

export interface UpOptions {
  /** An offline bundle (`docker save` tarball or its manifest) to load instead of pulling. */
  bundle?: string;
  /** Only these services (and what they depend on). */
  only?: string[];
  /** Cancels the operation: while queued it never runs; while running it stops before its next step. */
  signal?: AbortSignal;
}

export interface ServiceStatus {
  service: string;
  state: 'running' | 'exited' | 'restarting' | 'created' | 'paused' | 'dead' | 'missing' | 'removing';
  health?: 'healthy' | 'unhealthy' | 'starting' | 'none';
  exitCode?: number;
  restarts: number;
  startedAt?: string;
  uptimeS?: number;
  image: string;
  /** false when the running container was created from another definition (an `up` would recreate it). */
  current: boolean;
  /** Why it is unhealthy: the last health check's exit code and output. */
  healthDetail?: string;
}

export class ServiceFailure extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceFailure';
  }
}

/** Restarts during one health wait that make it a crash loop. */
const CRASH_LOOP_RESTARTS = 2;

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

function isConflict(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 409;
}

/**
 * Brings a resolved stack up and keeps it in shape through the Docker Engine API. Every operation
 * is idempotent: it compares what the engine has with what the stack says and changes only the
 * difference (containers carry a hash of their create request).
 */
export class StackSupervisor {
  readonly docker: Docker;
  stack: ResolvedStack;
  private host: HostCapacity | undefined;
  private readonly emit: EventSink;
  private readonly healthTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly queue = new OperationQueue();
  /** Waiters woken by the engine's event stream (health_status, die, start) for their service. */
  private readonly wakers = new Map<string, Set<() => void>>();
  private eventStreams = 0;
  private eventStream: Readable | undefined;

  constructor(options: SupervisorOptions) {
    this.docker = options.docker;
    this.stack = options.stack;
    this.emit = options.onEvent ?? (() => {});
    this.healthTimeoutMs = options.healthTimeoutMs ?? 180_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.host = options.host;
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

  private async fitStack(): Promise<void> {
    this.stack = fitToHost(this.stack, await this.hostCapacity());
  }

  service(name: string): ResolvedService {
    const found = this.stack.services.find((s) => s.name === name);
    if (!found) {
      throw new Error(
        `no service ${name} in this stack; services: ${this.stack.services.map((s) => s.name).join(', ')}`,
      );
    }
    return found;
  }

  private phase(service: string, phase: ServicePhase, detail?: string, elapsedMs?: number) {
    this.emit({ type: 'service', service, phase, detail, elapsedMs });
  }

  // ---- waiting on the engine ----------------------------------------------------------------

  /**
   * Runs `work` with the engine's event stream open, so health waits react to `health_status` and
   * `die` events at once instead of on the next poll. Polling stays as the fallback.
   */
  private async withEngineEvents<T>(work: () => Promise<T>): Promise<T> {
    if (this.eventStreams++ === 0) {
      try {
        const stream = (await this.docker.getEvents({
          filters: { type: ['container'], label: [`${LABEL_PROJECT}=${this.stack.project}`] },
        })) as unknown as Readable;
        this.eventStream = stream;
        let buffer = '';
        stream.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
            const line = buffer.slice(0, i);
            buffer = buffer.slice(i + 1);
            try {
              const service = (JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor
                ?.Attributes?.[LABEL_SERVICE];
              if (service) for (const wake of this.wakers.get(service) ?? []) wake();
            } catch {
              // not an event line
            }
          }
        });
        stream.on('error', () => {});
      } catch {
        // No event stream: polling alone still works.
      }
    }
    try {
      return await work();
    } finally {
      if (--this.eventStreams === 0) {
        this.eventStream?.destroy();
        this.eventStream = undefined;
      }
    }
  }

  /** Sleeps until `ms` pass or an engine event about `service` arrives. */
  private nap(service: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wakers.get(service) ?? new Set();
      this.wakers.set(service, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  // ---- up -----------------------------------------------------------------------------------

  /** The operations waiting or running (one at a time: see `OperationQueue`). */
  get operations() {
    return this.queue.pending;
  }

  up(options: UpOptions = {}): Promise<UpReport> {
    return this.queue.run(
      'up',
      (signal) => this.withEngineEvents(() => this.upNow({ ...options, signal })),
      options.signal,
    );
  }

  private async upNow(options: UpOptions): Promise<UpReport> {
    const started = Date.now();
    checkAborted(options.signal, 'up');
    await this.fitStack();
    const services = this.selection(options.only);
    await this.ensureNetworks();
    await this.ensureVolumes(services);
    await this.ensureImages(services, options.bundle);

    // Create every missing or changed container right away, in parallel: creation stays off the
    // critical path, and each service only has to be started once its dependencies are ready.
    const prepared = new Map(
      services.map((service) => {
        const work = this.prepareContainer(service);
        work.catch(() => {});
        return [service.name, work] as const;
      }),
    );

    const reports = new Map<string, ServiceReport>();
    // Two promises per service: running (for `service_started` dependents) and settled (healthy / completed).
    const running = new Map<string, Promise<void>>();
    const settled = new Map<string, Promise<void>>();
    const byName = new Map(services.map((s) => [s.name, s]));

    const launch = (service: ResolvedService) => {
      if (settled.has(service.name)) return;
      for (const dependency of Object.keys(service.dependsOn)) launch(byName.get(dependency)!);
      let markRunning!: () => void;
      let failRunning!: (e: Error) => void;
      running.set(
        service.name,
        new Promise<void>((resolve, reject) => {
          markRunning = resolve;
          failRunning = reject;
        }),
      );
      const work = (async () => {
        const t0 = Date.now();
        const waits = Object.entries(service.dependsOn).map(async ([dependency, condition]) => {
          try {
            await (condition === 'service_started' ? running : settled).get(dependency);
          } catch {
            throw new ServiceFailure(service.name, `skipped: dependency ${dependency} did not come up`);
          }
        });
        if (waits.length > 0) this.phase(service.name, 'waiting');
        try {
          await Promise.all(waits);
        } catch (error) {
          reports.set(service.name, {
            service: service.name,
            action: 'none',
            outcome: 'skipped',
            error: (error as Error).message,
            elapsedMs: Date.now() - t0,
          });
          this.phase(service.name, 'skipped', (error as Error).message);
          throw error;
        }
        const t1 = Date.now();
        let action: ServiceReport['action'] = 'none';
        try {
          checkAborted(options.signal, 'up');
          const created = await prepared.get(service.name);
          action = await this.ensureContainer(service);
          if (action === 'started' && created) action = created;
          markRunning();
          const t2 = Date.now();
          const outcome = await this.waitReady(service, this.healthTimeoutMs, options.signal);
          const elapsedMs = Date.now() - t1;
          reports.set(service.name, {
            service: service.name,
            action,
            outcome,
            elapsedMs,
            healthWaitMs: Date.now() - t2,
          });
          this.phase(
            service.name,
            action === 'unchanged'
              ? 'unchanged'
              : outcome === 'completed'
                ? 'completed'
                : outcome === 'healthy'
                  ? 'healthy'
                  : 'running',
            undefined,
            elapsedMs,
          );
        } catch (error) {
          const message = (error as Error).message;
          reports.set(service.name, {
            service: service.name,
            action,
            outcome: 'failed',
            error: message,
            elapsedMs: Date.now() - t1,
          });
          this.phase(service.name, 'failed', message);
          throw error;
        }
      })();
      work.catch((e: Error) => failRunning(e));
      running.get(service.name)!.catch(() => {});
      work.catch(() => {});
      settled.set(service.name, work);
    };
    for (const service of services) launch(service);
    await Promise.allSettled([...settled.values()]);

    const ordered = services.map((s) => reports.get(s.name)!);
    return {
      ok: ordered.every((r) => r.outcome !== 'failed' && r.outcome !== 'skipped'),
      durationMs: Date.now() - started,
      services: ordered,
    };
  }

  /** The named services plus everything they depend on, in dependency order. */
  private selection(only?: string[]): ResolvedService[] {
    const ordered = dependencyOrder(this.stack.services);
    if (!only || only.length === 0) return ordered;
    const wanted = new Set<string>();
    const add = (name: string) => {
      if (wanted.has(name)) return;
      wanted.add(name);
      for (const d of Object.keys(this.service(name).dependsOn)) add(d);
    };
    for (const name of only) add(name);
    return ordered.filter((s) => wanted.has(s.name));
  }

  async ensureNetworks(): Promise<void> {
    for (const network of this.stack.networks) {
      const name = networkName(this.stack.project, network);
      const existing = await this.docker.listNetworks({ filters: { name: [name] } });
      if (existing.some((n) => n.Name === name)) {
        this.emit({ type: 'network', name, action: 'exists' });
        continue;
      }
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { [LABEL_PROJECT]: this.stack.project },
        });
        this.emit({ type: 'network', name, action: 'created' });
      } catch (error) {
        if (!isConflict(error)) throw error;
        this.emit({ type: 'network', name, action: 'exists' });
      }
    }
  }

  private async ensureVolumes(services: ResolvedService[]): Promise<void> {
    const wanted = new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)));
    for (const volume of wanted) {
      const name = volumeName(this.stack.project, volume);
      try {
        await this.docker.getVolume(name).inspect();
        this.emit({ type: 'volume', name, action: 'exists' });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.docker.createVolume({ Name: name, Labels: { [LABEL_PROJECT]: this.stack.project } });
        this.emit({ type: 'volume', name, action: 'created' });
      }
    }
  }

  /** Missing images come from the bundle when one is given, else from their registry. */
  async ensureImages(services: ResolvedService[], bundle?: string): Promise<void> {
    const images = [...new Set(services.map((s) => imageReference(s.image)))];
    const missing: string[] = [];
    for (const image of images) {
      if (await imagePresent(this.docker, image)) this.emit({ type: 'image', image, action: 'present' });
      else missing.push(image);
    }
    if (missing.length === 0) return;
    if (bundle) {
      await loadBundle(this.docker, bundle, this.emit);
      const still = [];
      for (const image of missing) if (!(await imagePresent(this.docker, image))) still.push(image);
      if (still.length > 0) throw new Error(`the bundle ${bundle} does not contain ${still.join(', ')}`);
      return;
    }
    // A few pulls at a time: the registry and the disk, not the CPU, are the limit.
    const queue = [...missing];
    const worker = async () => {
      for (let image = queue.shift(); image; image = queue.shift()) await pullImage(this.docker, image, this.emit);
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  private async inspect(service: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(containerName(this.stack.project, service)).inspect();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the container when it is missing or was made from another definition; does not start it. */
  private async prepareContainer(service: ResolvedService): Promise<'created' | 'recreated' | undefined> {
    const spec = containerSpec(this.stack, service);
    const existing = await this.inspect(service.name);
    if (existing && existing.Config.Labels?.[LABEL_HASH] === specHash(spec)) return undefined;
    if (existing) {
      this.phase(service.name, 'stopping', 'definition changed');
      await this.removeContainer(service.name);
    }
    this.phase(service.name, 'creating');
    await this.createContainer(service, spec);
    return existing ? 'recreated' : 'created';
  }

  private async createContainer(service: ResolvedService, spec: Docker.ContainerCreateOptions) {
    const container = await this.docker.createContainer({
      ...spec,
      name: containerName(this.stack.project, service.name),
    });
    for (const extra of service.networks.slice(1)) {
      await this.docker.getNetwork(networkName(this.stack.project, extra)).connect({
        Container: container.id,
        EndpointConfig: { Aliases: [service.name] },
      });
    }
    return container;
  }

  /** Makes the service's container match its definition and run; says what it had to do. */
  private async ensureContainer(service: ResolvedService): Promise<ServiceReport['action']> {
    const spec = containerSpec(this.stack, service);
    const name = containerName(this.stack.project, service.name);
    const existing = await this.inspect(service.name);
    if (existing && existing.Config.Labels?.[LABEL_HASH] === specHash(spec)) {
      const state = existing.State;
      // Running but unhealthy is repaired like a crash: a restart, not a recreate.
      if (state.Running && state.Health?.Status === 'unhealthy') {
        this.phase(service.name, 'restarting', 'unhealthy');
        await this.docker.getContainer(name).restart({ t: 10 });
        return 'started';
      }
      if (state.Running || state.Restarting) return 'unchanged';
      if (service.kind === 'oneshot' && state.Status === 'exited' && state.ExitCode === 0) return 'unchanged';
      this.phase(service.name, 'starting');
      await this.docker.getContainer(name).start();
      return 'started';
    }
    if (existing) {
      this.phase(service.name, 'stopping', 'definition changed');
      await this.removeContainer(service.name);
    }
    this.phase(service.name, 'creating');
    const container = await this.createContainer(service, spec);
    this.phase(service.name, 'starting');
    await container.start();
    return existing ? 'recreated' : 'created';
  }

  private async removeContainer(service: string): Promise<boolean> {
    const container = this.docker.getContainer(containerName(this.stack.project, service));
    try {
      await container.remove({ force: true, v: false });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The last log lines of a service, for error reports. */
  async tail(service: string, lines = 10): Promise<string> {
    try {
      const data = (await this.docker
        .getContainer(containerName(this.stack.project, service))
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxAll(service, data)
        .map((l) => l.text)
        .join('\n');
    } catch {
      return '';
    }
  }

  /** Waits for healthy (daemon with a healthcheck), running (without), or exit 0 (job). */
  async waitReady(
    service: ResolvedService,
    timeoutMs = this.healthTimeoutMs,
    signal?: AbortSignal,
  ): Promise<ServiceOutcome> {
    const deadline = Date.now() + timeoutMs;
    let announced = false;
    let exitedAt: number | undefined;
    let firstRestartCount: number | undefined;
    for (;;) {
      checkAborted(signal, `waiting for ${service.name}`);
      const info = await this.inspect(service.name);
      if (!info) throw new ServiceFailure(service.name, `${service.name}: its container disappeared while starting`);
      const state = info.State;
      // The engine's restart policy brings a crashing service back at once, so its health check never
      // gets to run: two restarts while waiting is a crash loop, reported now rather than at the timeout.
      firstRestartCount ??= info.RestartCount;
      if (service.kind === 'daemon' && info.RestartCount - firstRestartCount >= CRASH_LOOP_RESTARTS) {
        const logs = await this.tail(service.name);
        throw new ServiceFailure(
          service.name,
          `${service.name} is in a crash loop: it exited with code ${state.ExitCode} and was restarted ` +
            `${info.RestartCount} times${logs ? `; last output:\n${logs}` : ''}`,
        );
      }
      if (service.kind === 'oneshot') {
        if (state.Status === 'exited' || state.Status === 'dead') {
          if (state.ExitCode === 0) return 'completed';
          const logs = await this.tail(service.name);
          throw new ServiceFailure(
            service.name,
            `${service.name} exited with code ${state.ExitCode}${logs ? `; last output:\n${logs}` : ''}`,
          );
        }
      } else {
        const stopped = state.Status === 'exited' || state.Status === 'dead';
        // Between a crash and the engine's restart the container briefly reads `exited`: give a
        // restart policy that will bring it back a moment before calling it failed.
        const willRestart =
          service.restart === 'always' ||
          service.restart === 'unless-stopped' ||
          (service.restart === 'on-failure' && state.ExitCode !== 0);
        if (stopped && willRestart) {
          exitedAt ??= Date.now();
          if (exitedAt > Date.now() - 3_000) {
            await this.nap(service.name, this.pollIntervalMs);
            continue;
          }
        }
        if (!stopped) exitedAt = undefined;
        if (stopped) {
          const logs = await this.tail(service.name);
          throw new ServiceFailure(
            service.name,
            `${service.name} stopped with exit code ${state.ExitCode} while starting${logs ? `; last output:\n${logs}` : ''}`,
          );
        }
        if (!service.healthcheck && state.Running) return 'running';
        const health = state.Health?.Status;
        // During a restart the previous run's `healthy` is still shown: only a probe of this run counts.
        if (health === 'healthy' && state.Running && !state.Restarting && lastProbePassed(info)) return 'healthy';
        // A restarted container can show the previous run's verdict until its first probe: only a failing
        // probe of this run counts.
        if (health === 'unhealthy' && lastProbeFailed(info)) {
          throw new ServiceFailure(service.name, `${service.name} is unhealthy: ${lastProbe(info)}`);
        }
        if (!announced && state.Running) {
          this.phase(service.name, 'health-wait');
          announced = true;
        }
      }
      if (Date.now() >= deadline) {
        const what = service.kind === 'oneshot' ? 'finish' : 'become healthy';
        throw new ServiceFailure(
          service.name,
          `${service.name} did not ${what} within ${Math.round(timeoutMs / 1000)} s (state ${state.Status}` +
            `${state.Health ? `, health ${state.Health.Status}` : ''}); last health check: ${lastProbe(info)}. ` +
            `See \`speaknode logs ${service.name}\`.`,
        );
      }
      await this.nap(service.name, this.pollIntervalMs);
    }
  }

  // ---- status, logs, restart, down ---------------------------------------------------------

  async status(): Promise<ServiceStatus[]> {
    await this.fitStack();
    // All inspections at once: one round trip's time instead of one per service.
    const ordered = dependencyOrder(this.stack.services);
    const infos = await Promise.all(ordered.map((service) => this.inspect(service.name)));
    return ordered.map((service, index): ServiceStatus => {
      const info = infos[index];
      const image = imageReference(service.image);
      if (!info) return { service: service.name, state: 'missing', restarts: 0, image, current: false };
      const running = info.State.Running;
      const startedAt = info.State.StartedAt;
      return {
        service: service.name,
        state: info.State.Status as ServiceStatus['state'],
        health: (info.State.Health?.Status as ServiceStatus['health']) ?? 'none',
        exitCode: running ? undefined : info.State.ExitCode,
        restarts: info.RestartCount,
        startedAt,
        uptimeS: running ? Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000)) : undefined,
        image: info.Config.Image,
        current: info.Config.Labels?.[LABEL_HASH] === specHash(containerSpec(this.stack, service)),
        ...(info.State.Health?.Status === 'unhealthy' ? { healthDetail: lastProbe(info) } : {}),
      };
    });
  }

  /** The last `tail` lines of a service's log. */
  async logs(service: string, options: { tail?: number; since?: number } = {}): Promise<LogLine[]> {
    this.service(service);
    const data = (await this.docker.getContainer(containerName(this.stack.project, service)).logs({
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
    const stream = (await this.docker.getContainer(containerName(this.stack.project, service)).logs({
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
    return this.queue.run(
      `restart ${name}`,
      (signal) => this.withEngineEvents(() => this.restartNow(name, signal)),
      options.signal,
    );
  }

  private async restartNow(name: string, signal: AbortSignal): Promise<ServiceReport> {
    const service = this.service(name);
    const t0 = Date.now();
    const existing = await this.inspect(name);
    if (!existing) {
      const report = await this.upNow({ only: [name], signal });
      return report.services.find((s) => s.service === name)!;
    }
    this.phase(name, 'restarting');
    await this.docker.getContainer(containerName(this.stack.project, name)).restart({ t: 10 });
    try {
      const outcome = await this.waitReady(service, this.healthTimeoutMs, signal);
      this.phase(name, outcome === 'healthy' ? 'healthy' : 'running', undefined, Date.now() - t0);
      return { service: name, action: 'started', outcome, elapsedMs: Date.now() - t0 };
    } catch (error) {
      this.phase(name, 'failed', (error as Error).message);
      return {
        service: name,
        action: 'started',
        outcome: 'failed',
        error: (error as Error).message,
        elapsedMs: Date.now() - t0,
      };
    }
  }

  /**
   * Stops and removes the stack's containers, dependents first, then its network. Volumes (the
   * data) stay unless `removeVolumes` is set.
   */
  down(
    options: { removeVolumes?: boolean; timeoutS?: number; signal?: AbortSignal } = {},
  ): Promise<{ removed: string[] }> {
    return this.queue.run('down', () => this.downNow(options), options.signal);
  }

  private async downNow(options: { removeVolumes?: boolean; timeoutS?: number }): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    const ordered = dependencyOrder(this.stack.services).reverse();
    // Also whatever this project left behind that the current definition no longer names.
    const leftovers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_PROJECT}=${this.stack.project}`] },
    });
    const known = new Set(ordered.map((s) => s.name));
    const extra = leftovers.map((c) => c.Labels[LABEL_SERVICE] ?? '').filter((n) => n && !known.has(n));
    const stopOne = async (name: string) => {
      const container = this.docker.getContainer(containerName(this.stack.project, name));
      try {
        await container.inspect();
        this.phase(name, 'stopping');
        await container.stop({ t: options.timeoutS ?? 10 }).catch((error) => {
          if ((error as { statusCode?: number }).statusCode !== 304) throw error;
        });
        await container.remove({ force: true });
        removed.push(name);
        this.phase(name, 'removed');
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    };
    // Leftovers first (nothing depends on them any more); then a service stops as soon as everything
    // that depends on it has stopped, independent ones in parallel.
    await Promise.all(extra.map(stopOne));
    const dependents = new Map<string, string[]>();
    for (const service of ordered) {
      for (const dependency of Object.keys(service.dependsOn)) {
        dependents.set(dependency, [...(dependents.get(dependency) ?? []), service.name]);
      }
    }
    const stopping = new Map<string, Promise<void>>();
    const stop = (name: string): Promise<void> => {
      let promise = stopping.get(name);
      if (!promise) {
        promise = Promise.all((dependents.get(name) ?? []).map(stop)).then(() => stopOne(name));
        stopping.set(name, promise);
      }
      return promise;
    };
    await Promise.all(ordered.map((s) => stop(s.name)));
    for (const network of this.stack.networks) {
      const name = networkName(this.stack.project, network);
      try {
        await this.docker.getNetwork(name).remove();
        this.emit({ type: 'network', name, action: 'removed' });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    if (options.removeVolumes) {
      const { Volumes } = await this.docker.listVolumes({
        filters: { label: [`${LABEL_PROJECT}=${this.stack.project}`] },
      });
      for (const volume of Volumes ?? []) {
        await this.docker.getVolume(volume.Name).remove();
        this.emit({ type: 'volume', name: volume.Name, action: 'removed' });
      }
    }
    return { removed };
  }

  // ---- upgrade -----------------------------------------------------------------------------

  /**
   * Moves to `next` (new pinned images or settings) one service at a time, in dependency order. A
   * service whose new container does not become healthy is rolled back to its old container, and the
   * upgrade stops there.
   */
  upgrade(next: ResolvedStack, options: { bundle?: string; signal?: AbortSignal } = {}): Promise<UpgradeReport> {
    return this.queue.run(
      'upgrade',
      (signal) => this.withEngineEvents(() => this.upgradeNow(next, { ...options, signal })),
      options.signal,
    );
  }

  private async upgradeNow(
    next: ResolvedStack,
    options: { bundle?: string; signal: AbortSignal },
  ): Promise<UpgradeReport> {
    const t0 = Date.now();
    const previous = this.stack;
    next = fitToHost(next, await this.hostCapacity());
    const services = dependencyOrder(next.services);
    this.stack = next;
    await this.ensureNetworks();
    await this.ensureVolumes(services);
    await this.ensureImages(services, options.bundle);
    const results: UpgradeReport['services'] = [];
    for (const service of services) {
      checkAborted(options.signal, 'upgrade');
      const spec = containerSpec(next, service);
      const existing = await this.inspect(service.name);
      if (existing && existing.Config.Labels?.[LABEL_HASH] === specHash(spec)) {
        results.push({ service: service.name, result: 'unchanged' });
        continue;
      }
      if (!existing) {
        const report = await this.upNow({ only: [service.name], signal: options.signal });
        const own = report.services.find((s) => s.service === service.name)!;
        results.push({
          service: service.name,
          result: own.outcome === 'failed' ? 'failed' : 'upgraded',
          error: own.error,
        });
        if (own.outcome === 'failed') return { ok: false, durationMs: Date.now() - t0, services: results };
        continue;
      }
      this.phase(service.name, 'upgrading', `${existing.Config.Image} → ${imageReference(service.image)}`);
      const name = containerName(next.project, service.name);
      const backup = `${name}-previous`;
      await this.docker
        .getContainer(backup)
        .remove({ force: true })
        .catch(() => {});
      // By id: the name moves between the old and the new container.
      const old = this.docker.getContainer(existing.Id);
      await old.stop({ t: 10 }).catch((error) => {
        if ((error as { statusCode?: number }).statusCode !== 304) throw error;
      });
      await old.rename({ name: backup });
      try {
        const container = await this.docker.createContainer({ ...spec, name });
        await container.start();
        await this.waitReady(service, this.healthTimeoutMs, options.signal);
        await old.remove({ force: true });
        this.phase(service.name, 'upgraded');
        results.push({ service: service.name, result: 'upgraded' });
      } catch (error) {
        const message = (error as Error).message;
        await this.docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => {});
        const restored = this.docker.getContainer(existing.Id);
        await restored.rename({ name });
        const restart = await restored.start().then(
          () => '',
          (e: Error) => `; starting the previous container failed too: ${e.message}`,
        );
        this.stack = mergeService(next, previous, service.name);
        this.phase(service.name, 'rolled-back', message + restart);
        results.push({ service: service.name, result: 'rolled-back', error: message + restart });
        return { ok: false, durationMs: Date.now() - t0, services: results };
      }
    }
    return { ok: true, durationMs: Date.now() - t0, services: results };
  }
}

export interface UpgradeReport {
  ok: boolean;
  durationMs: number;
  services: { service: string; result: 'unchanged' | 'upgraded' | 'rolled-back' | 'failed'; error?: string }[];
}

/** `next` with one service taken back from `previous` (after its rollback). */
function mergeService(next: ResolvedStack, previous: ResolvedStack, name: string): ResolvedStack {
  const old = previous.services.find((s) => s.name === name);
  return old ? { ...next, services: next.services.map((s) => (s.name === name ? old : s)) } : next;
}

function lastProbePassed(info: Docker.ContainerInspectInfo): boolean {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  return !!last && last.ExitCode === 0 && Date.parse(last.Start) >= Date.parse(info.State.StartedAt);
}

function lastProbeFailed(info: Docker.ContainerInspectInfo): boolean {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  return !!last && last.ExitCode !== 0 && Date.parse(last.Start) >= Date.parse(info.State.StartedAt);
}

function lastProbe(info: Docker.ContainerInspectInfo): string {
  const log = info.State.Health?.Log ?? [];
  const last = log[log.length - 1];
  if (!last) return 'no health check has run yet';
  const output = last.Output.trim().slice(-300);
  return `exit code ${last.ExitCode}${output ? `, output: ${output}` : ', no output'}`;
}
