import type { ServiceStatus, StackStatus } from './stack-ipc.ts';

export type StackHealthLevel = 'healthy' | 'degraded' | 'down' | 'unknown';

export interface StackHealth {
  level: StackHealthLevel;
  /** One line for the tray, the menu and the dashboard's header. */
  label: string;
  up: number;
  total: number;
}

/** Whether a service is where it should be: a job done, a daemon running and healthy (or without a check). */
export function serviceOk(service: ServiceStatus): boolean {
  // A job that finished (the status does not say job or daemon; a daemon stopped cleanly reads the same).
  if (service.state === 'exited') return service.exitCode === 0;
  return service.state === 'running' && service.health !== 'unhealthy' && service.health !== 'starting';
}

/** The stack's health in one word and one line (pure: main's tray and the renderer share it). */
export function overallHealth(status: StackStatus | undefined): StackHealth {
  if (!status) return { level: 'unknown', label: 'Stack: not read yet', up: 0, total: 0 };
  if (!status.engine.ok)
    return { level: 'unknown', label: 'Stack: the Docker Engine does not answer', up: 0, total: 0 };
  if (!status.initialised) return { level: 'unknown', label: 'Stack: not set up yet', up: 0, total: 0 };
  const total = status.services.length;
  const up = status.services.filter(serviceOk).length;
  if (total === 0 || status.services.every((s) => s.state === 'missing')) {
    return { level: 'down', label: 'Stack: not installed', up, total };
  }
  if (up === total) return { level: 'healthy', label: `Stack: healthy (${up}/${total})`, up, total };
  const bad = status.services.filter((s) => !serviceOk(s)).map((s) => s.service);
  return {
    level: up === 0 ? 'down' : 'degraded',
    label: `Stack: ${up}/${total} up; not up: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? '…' : ''}`,
    up,
    total,
  };
}
