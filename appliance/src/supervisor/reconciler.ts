import type Docker from 'dockerode';
import { dependencyOrder } from '../stack/stack.ts';
import { imageReference } from '../stack/types.ts';
import {
  containerName,
  containerSpec,
  LABEL_HASH,
  LABEL_PROJECT,
  LABEL_SERVICE,
  networkName,
  specHash,
  volumeName,
} from './container-spec.ts';
import type { EventSink, ServicePhase } from './events.ts';
import type { HealthWaiter } from './health-waiter.ts';
import { imagePresent, loadBundle, pullImage } from './images.ts';
import { demuxAll } from './logs.ts';
import { checkAborted } from './operation-queue.ts';
import { isConflict, isNotFound, isNotModified, ServiceFailure, type ServiceReport, type UpReport } from './reports.ts';
import type { ResolvedService, ResolvedStack } from './resolve.ts';

type Stack = Readonly<ResolvedStack>;

/** The named services plus everything they depend on, in dependency order (all of them without names). */
export function selectServices(stack: Stack, only?: readonly string[]): ResolvedService[] {
  const ordered = dependencyOrder(stack.services);
  if (!only || only.length === 0) return ordered;
  const byName = new Map(stack.services.map((s) => [s.name, s]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    const service = byName.get(name);
    if (!service) {
      throw new Error(`no service ${name} in this stack; services: ${stack.services.map((s) => s.name).join(', ')}`);
    }
    wanted.add(name);
    for (const d of Object.keys(service.dependsOn)) add(d);
  };
  for (const name of only) add(name);
  return ordered.filter((s) => wanted.has(s.name));
}

/**
 * Runs `start` for every service as soon as its dependencies meet their condition —
 * `service_started` once the dependency called `markRunning`, the others once its `start` resolved —
 * independent services in parallel. A service whose `start` throws fails; its dependents are not
 * started but handed to `skip` with the dependency that did not come up (and count as failed for
 * theirs). Resolves when every service has finished or been skipped.
 */
export async function scheduleByDependencies(
  services: readonly ResolvedService[],
  start: (service: ResolvedService, markRunning: () => void) => Promise<void>,
  skip: (service: ResolvedService, dependency: string) => void,
): Promise<void> {
  const byName = new Map(services.map((s) => [s.name, s]));
  const running = new Map<string, Promise<void>>();
  const settled = new Map<string, Promise<void>>();
  const launch = (service: ResolvedService): void => {
    if (settled.has(service.name)) return;
    const dependencies = Object.entries(service.dependsOn).filter(([name]) => byName.has(name));
    for (const [dependency] of dependencies) launch(byName.get(dependency)!);
    let markRunning!: () => void;
    let failRunning!: (error: Error) => void;
    const isRunning = new Promise<void>((resolve, reject) => {
      markRunning = resolve;
      failRunning = reject;
    });
    isRunning.catch(() => {});
    running.set(service.name, isRunning);
    const work = (async () => {
      for (const [dependency, condition] of dependencies) {
        try {
          await (condition === 'service_started' ? running : settled).get(dependency);
        } catch {
          skip(service, dependency);
          throw new ServiceFailure(service.name, `skipped: dependency ${dependency} did not come up`);
        }
      }
      await start(service, markRunning);
      markRunning();
    })();
    work.catch((error: Error) => failRunning(error));
    settled.set(service.name, work);
  };
  for (const service of services) launch(service);
  await Promise.allSettled([...settled.values()]);
}

export interface ReconcilerOptions {
  docker: Docker;
  emit: EventSink;
  waiter: HealthWaiter;
  healthTimeoutMs: number;
}

/**
 * Makes the engine match a stack: network, volumes, images, then every container created when it is
 * missing or was made from another definition (containers carry a hash of their create request) and
 * started in dependency order with health waits. It never keeps a stack of its own: every call is
 * given the frozen stack of the operation it runs for.
 */
export class Reconciler {
  private readonly docker: Docker;
  private readonly emit: EventSink;

  constructor(private readonly options: ReconcilerOptions) {
    this.docker = options.docker;
    this.emit = options.emit;
  }

  private phase(service: string, phase: ServicePhase, detail?: string, elapsedMs?: number) {
    this.emit({ type: 'service', service, phase, detail, elapsedMs });
  }

  async up(
    stack: Stack,
    options: { only?: readonly string[]; bundle?: string; signal?: AbortSignal } = {},
  ): Promise<UpReport> {
    const started = Date.now();
    const signal = options.signal;
    checkAborted(signal, 'up');
    const services = selectServices(stack, options.only);
    await this.ensureNetworks(stack);
    checkAborted(signal, 'up');
    await this.ensureVolumes(stack, services);
    checkAborted(signal, 'up');
    await this.ensureImages(services, options.bundle, signal);
    checkAborted(signal, 'up');

    // Create every missing or changed container right away, in parallel: creation stays off the
    // critical path, and each service only has to be started once its dependencies are ready.
    const prepared = new Map(
      services.map((service) => {
        const work = this.prepareContainer(stack, service);
        work.catch(() => {});
        return [service.name, work] as const;
      }),
    );
    const reports = new Map<string, ServiceReport>();
    const waitingSince = new Map<string, number>();
    await scheduleByDependencies(
      services.map((service) => {
        if (Object.keys(service.dependsOn).length > 0) this.phase(service.name, 'waiting');
        waitingSince.set(service.name, Date.now());
        return service;
      }),
      async (service, markRunning) => {
        const t1 = Date.now();
        let action: ServiceReport['action'] = 'none';
        try {
          checkAborted(signal, 'up');
          const created = await prepared.get(service.name);
          action = await this.ensureContainer(stack, service);
          if (action === 'started' && created) action = created;
          markRunning();
          const t2 = Date.now();
          const outcome = await this.options.waiter.waitReady(service, this.options.healthTimeoutMs, signal);
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
              : outcome === 'completed' || outcome === 'healthy'
                ? outcome
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
      },
      (service, dependency) => {
        const message = `skipped: dependency ${dependency} did not come up`;
        reports.set(service.name, {
          service: service.name,
          action: 'none',
          outcome: 'skipped',
          error: message,
          elapsedMs: Date.now() - (waitingSince.get(service.name) ?? Date.now()),
        });
        this.phase(service.name, 'skipped', message);
      },
    );
    // Cancelled: the operation ends as cancelled (the next `up` repairs whatever was half done).
    checkAborted(signal, 'up');
    const ordered = services.map((s) => reports.get(s.name)!);
    return {
      ok: ordered.every((r) => r.outcome !== 'failed' && r.outcome !== 'skipped'),
      durationMs: Date.now() - started,
      services: ordered,
    };
  }

  async ensureNetworks(stack: Stack): Promise<void> {
    for (const network of stack.networks) {
      const name = networkName(stack.project, network);
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
          Labels: { [LABEL_PROJECT]: stack.project },
        });
        this.emit({ type: 'network', name, action: 'created' });
      } catch (error) {
        if (!isConflict(error)) throw error;
        this.emit({ type: 'network', name, action: 'exists' });
      }
    }
  }

  async ensureVolumes(stack: Stack, services: readonly ResolvedService[]): Promise<void> {
    const wanted = new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)));
    for (const volume of wanted) {
      const name = volumeName(stack.project, volume);
      try {
        await this.docker.getVolume(name).inspect();
        this.emit({ type: 'volume', name, action: 'exists' });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.docker.createVolume({ Name: name, Labels: { [LABEL_PROJECT]: stack.project } });
        this.emit({ type: 'volume', name, action: 'created' });
      }
    }
  }

  /** Missing images come from the bundle when one is given, else from their registry (three at a time). */
  async ensureImages(services: readonly ResolvedService[], bundle?: string, signal?: AbortSignal): Promise<void> {
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
    await pullAll(this.docker, missing, this.emit, signal, 'up');
  }

  async inspect(stack: Stack, service: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(containerName(stack.project, service)).inspect();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The last log lines of a service, for error reports ('' when there are none). */
  async tail(stack: Stack, service: string, lines = 10): Promise<string> {
    try {
      const data = (await this.docker
        .getContainer(containerName(stack.project, service))
        .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxAll(service, data)
        .map((l) => l.text)
        .join('\n');
    } catch {
      return '';
    }
  }

  /** Creates the container when it is missing or was made from another definition; does not start it. */
  private async prepareContainer(stack: Stack, service: ResolvedService): Promise<'created' | 'recreated' | undefined> {
    const spec = containerSpec(stack, service);
    const existing = await this.inspect(stack, service.name);
    if (existing && existing.Config.Labels?.[LABEL_HASH] === specHash(spec)) return undefined;
    if (existing) {
      this.phase(service.name, 'stopping', 'definition changed');
      await this.removeContainer(stack, service.name);
    }
    this.phase(service.name, 'creating');
    await this.createContainer(stack, service, spec);
    return existing ? 'recreated' : 'created';
  }

  /** Creates the service's container (on its first network; attached to the others after). */
  async createContainer(stack: Stack, service: ResolvedService, spec = containerSpec(stack, service)) {
    const container = await this.docker.createContainer({ ...spec, name: containerName(stack.project, service.name) });
    for (const extra of service.networks.slice(1)) {
      await this.docker.getNetwork(networkName(stack.project, extra)).connect({
        Container: container.id,
        EndpointConfig: { Aliases: [service.name] },
      });
    }
    return container;
  }

  /** Makes the service's container match its definition and run; says what it had to do. */
  async ensureContainer(stack: Stack, service: ResolvedService): Promise<ServiceReport['action']> {
    const spec = containerSpec(stack, service);
    const name = containerName(stack.project, service.name);
    const existing = await this.inspect(stack, service.name);
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
      // Started meanwhile by somebody else (a watcher in another process): the engine answers 304.
      await this.docker
        .getContainer(name)
        .start()
        .catch((error) => {
          if (!isNotModified(error)) throw error;
        });
      return 'started';
    }
    if (existing) {
      this.phase(service.name, 'stopping', 'definition changed');
      await this.removeContainer(stack, service.name);
    }
    this.phase(service.name, 'creating');
    const container = await this.createContainer(stack, service, spec);
    this.phase(service.name, 'starting');
    await container.start();
    return existing ? 'recreated' : 'created';
  }

  private async removeContainer(stack: Stack, service: string): Promise<boolean> {
    try {
      await this.docker.getContainer(containerName(stack.project, service)).remove({ force: true, v: false });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Restarts one service (creates it with what it needs when it is missing) and waits until it is ready. */
  async restart(stack: Stack, name: string, signal?: AbortSignal): Promise<ServiceReport> {
    const service = selectServices(stack, [name]).find((s) => s.name === name)!;
    const t0 = Date.now();
    if (!(await this.inspect(stack, name))) {
      const report = await this.up(stack, { only: [name], signal });
      return report.services.find((s) => s.service === name)!;
    }
    checkAborted(signal, `restart ${name}`);
    this.phase(name, 'restarting');
    await this.docker.getContainer(containerName(stack.project, name)).restart({ t: 10 });
    try {
      const outcome = await this.options.waiter.waitReady(service, this.options.healthTimeoutMs, signal);
      this.phase(name, outcome === 'healthy' ? 'healthy' : 'running', undefined, Date.now() - t0);
      return { service: name, action: 'started', outcome, elapsedMs: Date.now() - t0 };
    } catch (error) {
      checkAborted(signal, `restart ${name}`);
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
   * Stops and removes the stack's containers, dependents first (independent ones in parallel), also
   * what the project left behind that the definition no longer names; then its networks. Volumes (the
   * data) stay unless `removeVolumes` is set. Cancelled, it stops nothing more.
   */
  async down(
    stack: Stack,
    options: { removeVolumes?: boolean; timeoutS?: number; signal?: AbortSignal } = {},
  ): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    const ordered = dependencyOrder(stack.services).reverse();
    const leftovers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_PROJECT}=${stack.project}`] },
    });
    const known = new Set(ordered.map((s) => s.name));
    const extra = leftovers.map((c) => c.Labels[LABEL_SERVICE] ?? '').filter((n) => n && !known.has(n));
    const stopOne = async (name: string) => {
      checkAborted(options.signal, 'down');
      const container = this.docker.getContainer(containerName(stack.project, name));
      try {
        await container.inspect();
        this.phase(name, 'stopping');
        await container.stop({ t: options.timeoutS ?? 10 }).catch((error) => {
          if (!isNotModified(error)) throw error;
        });
        await container.remove({ force: true });
        removed.push(name);
        this.phase(name, 'removed');
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    };
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
    for (const network of stack.networks) {
      const name = networkName(stack.project, network);
      try {
        await this.docker.getNetwork(name).remove();
        this.emit({ type: 'network', name, action: 'removed' });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    if (options.removeVolumes) {
      const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${LABEL_PROJECT}=${stack.project}`] } });
      for (const volume of Volumes ?? []) {
        await this.docker.getVolume(volume.Name).remove();
        this.emit({ type: 'volume', name: volume.Name, action: 'removed' });
      }
    }
    return { removed };
  }
}

/** Pulls `images`, a few at a time (the registry and the disk, not the CPU, are the limit). */
export async function pullAll(
  docker: Docker,
  images: readonly string[],
  emit: EventSink,
  signal: AbortSignal | undefined,
  operation: string,
): Promise<void> {
  const queue = [...images];
  const worker = async () => {
    for (let image = queue.shift(); image; image = queue.shift()) {
      await pullImage(docker, image, emit, signal, operation);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}
