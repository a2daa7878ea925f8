/**
 * One service's status from its container's inspection: shared by `StackSupervisor.status()` and the
 * CLI's fast `status` (which reads the expected definitions from a `StatusPlan` instead of loading the
 * stack). Node built-ins and types only, so the fast path stays small.
 */
import type { ContainerInspectInfo } from 'dockerode';
import { LABEL_HASH } from './container-spec.ts';
import { lastProbe, lastProbeFailed } from './health-waiter.ts';
import type { ServiceStatus } from './reports.ts';
import type { WatchedService } from './watch-journal.ts';

export type { ServiceStatus } from './reports.ts';

/** What `status` expects of one service: its image and the hash of its create request. */
export interface ExpectedService {
  name: string;
  image: string;
  hash: string;
}

export function serviceStatus(
  expected: ExpectedService,
  info: ContainerInspectInfo | undefined,
  watched: WatchedService | undefined,
  now = Date.now(),
): ServiceStatus {
  if (!info) return { service: expected.name, state: 'missing', restarts: 0, image: expected.image, current: false };
  const running = info.State.Running;
  const startedAt = info.State.StartedAt;
  const byWatcher = watched && watched.containerId === info.Id ? watched : undefined;
  const health = (info.State.Health?.Status as ServiceStatus['health']) ?? 'none';
  return {
    service: expected.name,
    state: info.State.Status as ServiceStatus['state'],
    health,
    exitCode: running ? undefined : info.State.ExitCode,
    restarts: info.RestartCount + (byWatcher?.restarts ?? 0),
    ...(byWatcher ? { restartsByWatcher: byWatcher.restarts } : {}),
    ...(byWatcher?.gaveUp ? { watcherGaveUp: byWatcher.gaveUp } : {}),
    startedAt,
    uptimeS: running ? Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000)) : undefined,
    image: info.Config.Image,
    current: info.Config.Labels?.[LABEL_HASH] === expected.hash,
    ...(health === 'unhealthy' || (health === 'starting' && lastProbeFailed(info))
      ? { healthDetail: lastProbe(info) }
      : {}),
  };
}
