/** What the supervisor's operations report; shared by the reconciler, the health waiter and the upgrader. */

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

export interface UpgradeReport {
  ok: boolean;
  durationMs: number;
  services: { service: string; result: 'unchanged' | 'upgraded' | 'rolled-back' | 'failed'; error?: string }[];
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

export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

export function isConflict(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 409;
}

/** "Not modified": stopping a container that is already stopped. */
export function isNotModified(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 304;
}
