/**
 * What the supervisor reports: its operations' outcomes (shared by the reconciler, the health waiter
 * and the upgrader), a service's status, a preflight check, a log line, and the provider keys the
 * stack keeps. Node-free (no imports), so the desktop console's renderer can import them too
 * (`@speaknode/appliance/reports`).
 */

/**
 * Keys for external providers an admin may pick per agent; all optional, kept in the SecretStore.
 * Here (not in the settings schema) so the console's setup wizard lists the same keys.
 */
export const PROVIDER_KEYS = ['OPENAI_API_KEY', 'DEEPGRAM_API_KEY', 'ELEVENLABS_API_KEY', 'TWILIO_AUTH_TOKEN'] as const;
export type ProviderKey = (typeof PROVIDER_KEYS)[number];

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

export interface ServiceStatus {
  service: string;
  state: 'running' | 'exited' | 'restarting' | 'created' | 'paused' | 'dead' | 'missing' | 'removing';
  health?: 'healthy' | 'unhealthy' | 'starting' | 'none';
  exitCode?: number;
  /** Restarts of this container: the engine's (its restart policy) plus the watcher's. */
  restarts: number;
  /** Of `restarts`, those the watcher made (a service stopped by `docker kill`, one that turned unhealthy). */
  restartsByWatcher?: number;
  /** Set when the watcher stopped bringing the service back: why, and what to do. */
  watcherGaveUp?: string;
  startedAt?: string;
  uptimeS?: number;
  image: string;
  /** false when the running container was created from another definition (an `up` would recreate it). */
  current: boolean;
  /** Why it is unhealthy (or why its last probe failed): the last health check's exit code and output. */
  healthDetail?: string;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  /** A warning: `ok` stays true, but something will not work everywhere (say why in `detail`). */
  warning?: boolean;
  /** What was found. */
  detail: string;
  /** What a person should do when it failed. */
  fix?: string;
}

export interface LogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  text: string;
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
