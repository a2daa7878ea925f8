import type Docker from 'dockerode';
import { dependencyOrder } from '../stack/stack.ts';
import { imageReference } from '../stack/types.ts';
import { containerName, containerSpec, LABEL_HASH, specHash } from './container-spec.ts';
import type { EventSink } from './events.ts';
import type { HealthWaiter } from './health-waiter.ts';
import { OperationAborted } from './operation-queue.ts';
import type { Reconciler } from './reconciler.ts';
import { isNotModified, type UpgradeReport } from './reports.ts';
import type { ResolvedStack } from './resolve.ts';

type Stack = Readonly<ResolvedStack>;

export interface UpgradeResult {
  report: UpgradeReport;
  /**
   * The services that still run their previous definition: the rolled-back one and those after it
   * (so a later `up` does not try the failed definition again). Empty when the upgrade went through.
   */
  kept: string[];
}

export interface UpgraderOptions {
  docker: Docker;
  emit: EventSink;
  reconciler: Reconciler;
  waiter: HealthWaiter;
  healthTimeoutMs: number;
}

/**
 * Moves a running stack to `next` (new pinned images or settings) one service at a
 * time, in dependency order. A service whose new container does not become healthy is rolled back —
 * the new container removed, the previous one renamed back and started — and the upgrade stops there.
 * It is given the new stack frozen and says which services still run their previous definition; the
 * supervisor adopts the new definitions only once the operation has ended.
 */
export class Upgrader {
  constructor(private readonly options: UpgraderOptions) {}

  async upgrade(next: Stack, options: { bundle?: string; signal?: AbortSignal } = {}): Promise<UpgradeResult> {
    const { docker, emit, reconciler } = this.options;
    const t0 = Date.now();
    const signal = options.signal;
    const services = dependencyOrder(next.services);
    await reconciler.ensureNetworks(next);
    await reconciler.ensureVolumes(next, services);
    await reconciler.ensureImages(services, options.bundle, signal);
    const results: UpgradeReport['services'] = [];
    // The services that run their new definition so far.
    const moved = new Set<string>();
    const kept = () => services.map((s) => s.name).filter((name) => !moved.has(name));
    const done = (ok: boolean): UpgradeResult => ({
      report: { ok, durationMs: Date.now() - t0, services: results },
      kept: kept(),
    });
    const cancelled = () => new UpgradeCancelled(kept());
    for (const service of services) {
      if (signal?.aborted) throw cancelled();
      const spec = containerSpec(next, service);
      const existing = await reconciler.inspect(next, service.name);
      if (existing && existing.Config.Labels?.[LABEL_HASH] === specHash(spec)) {
        results.push({ service: service.name, result: 'unchanged' });
        moved.add(service.name);
        continue;
      }
      if (!existing) {
        let report: Awaited<ReturnType<Reconciler['up']>>;
        try {
          report = await reconciler.up(next, { only: [service.name], signal });
        } catch (error) {
          if (error instanceof OperationAborted) throw cancelled();
          throw error;
        }
        const own = report.services.find((s) => s.service === service.name)!;
        const failed = own.outcome === 'failed' || own.outcome === 'skipped';
        results.push({ service: service.name, result: failed ? 'failed' : 'upgraded', error: own.error });
        // A new service that failed stays in the definitions: the next `up` tries it again.
        moved.add(service.name);
        if (failed) return done(false);
        moved.add(service.name);
        continue;
      }
      emit({
        type: 'service',
        service: service.name,
        phase: 'upgrading',
        detail: `${existing.Config.Image} → ${imageReference(service.image)}`,
      });
      const name = containerName(next.project, service.name);
      const backup = `${name}-previous`;
      await docker
        .getContainer(backup)
        .remove({ force: true })
        .catch(() => {});
      // By id: the name moves between the old and the new container.
      const old = docker.getContainer(existing.Id);
      await old.stop({ t: 10 }).catch((error) => {
        if (!isNotModified(error)) throw error;
      });
      await old.rename({ name: backup });
      try {
        const container = await reconciler.createContainer(next, service, spec);
        await container.start();
        await this.options.waiter.waitReady(service, this.options.healthTimeoutMs, signal);
        await old.remove({ force: true });
        emit({ type: 'service', service: service.name, phase: 'upgraded' });
        results.push({ service: service.name, result: 'upgraded' });
        moved.add(service.name);
      } catch (error) {
        // Cancelled or failed during the health wait: the previous container comes back either way.
        const message = (error as Error).message;
        await docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => {});
        const restored = docker.getContainer(existing.Id);
        await restored.rename({ name });
        const restart = await restored.start().then(
          () => '',
          (e: Error) => `; starting the previous container failed too: ${e.message}`,
        );
        emit({ type: 'service', service: service.name, phase: 'rolled-back', detail: message + restart });
        results.push({ service: service.name, result: 'rolled-back', error: message + restart });
        if (error instanceof OperationAborted) throw cancelled();
        return done(false);
      }
    }
    return done(true);
  }
}

/** An upgrade cancelled through its signal; `kept` are the services still on their previous definition. */
export class UpgradeCancelled extends OperationAborted {
  constructor(readonly kept: string[]) {
    super('upgrade');
  }
}
