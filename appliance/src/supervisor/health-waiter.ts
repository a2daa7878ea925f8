import type Docker from 'dockerode';
import { checkAborted } from './operation-queue.ts';
import { ServiceFailure, type ServiceOutcome } from './reports.ts';
import type { ResolvedService } from './resolve.ts';

export interface HealthWaiterOptions {
  /** The service's container, or undefined when it does not exist. */
  inspect: (service: string) => Promise<Docker.ContainerInspectInfo | undefined>;
  /** The last log lines of a service, for failure reports ('' when none). */
  tail: (service: string) => Promise<string>;
  /** Sleeps until `ms` pass, an engine event about `service` arrives, or `signal` aborts. */
  nap?: (service: string, ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told once per wait when the container runs and its health check is awaited. */
  onHealthWait?: (service: string) => void;
  pollIntervalMs?: number;
  /** Restarts by the engine during one wait that make it a crash loop [2]. */
  crashLoopRestarts?: number;
  /** How long an exited container whose restart policy will bring it back is given before it counts as stopped [3 s]. */
  restartGraceMs?: number;
  now?: () => number;
}

/**
 * Waits for one service to be ready: healthy (a daemon with a healthcheck, judged by a probe of the
 * current run only), running (a daemon without), or exited with 0 (a job). Reports at once — not at the
 * timeout — a crash loop (exit code, restart count, last log lines), a job that failed, a container
 * that stopped, and a failing probe (its output). Reacts to the engine's events through `nap`, polls as
 * the fallback, and stops at once when the operation's `AbortSignal` aborts.
 */
export class HealthWaiter {
  private readonly nap: NonNullable<HealthWaiterOptions['nap']>;
  private readonly now: () => number;

  constructor(private readonly options: HealthWaiterOptions) {
    this.nap =
      options.nap ??
      ((_service, ms, signal) =>
        new Promise((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done, { once: true });
        }));
    this.now = options.now ?? Date.now;
  }

  async waitReady(service: ResolvedService, timeoutMs: number, signal?: AbortSignal): Promise<ServiceOutcome> {
    const poll = this.options.pollIntervalMs ?? 500;
    const crashLoop = this.options.crashLoopRestarts ?? 2;
    const grace = this.options.restartGraceMs ?? 3_000;
    const deadline = this.now() + timeoutMs;
    let announced = false;
    let exitedAt: number | undefined;
    let firstRestartCount: number | undefined;
    const failWithLogs = async (message: string) => {
      const logs = await this.options.tail(service.name);
      return new ServiceFailure(service.name, `${message}${logs ? `; last output:\n${logs}` : ''}`);
    };
    for (;;) {
      checkAborted(signal, `waiting for ${service.name}`);
      const info = await this.options.inspect(service.name);
      if (!info) throw new ServiceFailure(service.name, `${service.name}: its container disappeared while starting`);
      const state = info.State;
      // The engine's restart policy brings a crashing service back at once, so its health check never
      // gets to run: a few restarts while waiting is a crash loop, reported now rather than at the timeout.
      firstRestartCount ??= info.RestartCount;
      if (service.kind === 'daemon' && info.RestartCount - firstRestartCount >= crashLoop) {
        throw await failWithLogs(
          `${service.name} is in a crash loop: it exited with code ${state.ExitCode} and was restarted ` +
            `${info.RestartCount} times`,
        );
      }
      const stopped = state.Status === 'exited' || state.Status === 'dead';
      if (service.kind === 'oneshot') {
        if (stopped) {
          if (state.ExitCode === 0) return 'completed';
          throw await failWithLogs(`${service.name} exited with code ${state.ExitCode}`);
        }
      } else {
        // Between a crash and the engine's restart the container briefly reads `exited`: give a
        // restart policy that will bring it back a moment before calling it failed.
        const willRestart =
          service.restart === 'always' ||
          service.restart === 'unless-stopped' ||
          (service.restart === 'on-failure' && state.ExitCode !== 0);
        if (stopped && willRestart) {
          exitedAt ??= this.now();
          if (this.now() - exitedAt < grace) {
            await this.nap(service.name, poll, signal);
            continue;
          }
        }
        if (!stopped) exitedAt = undefined;
        if (stopped)
          throw await failWithLogs(`${service.name} stopped with exit code ${state.ExitCode} while starting`);
        if (!service.healthcheck && state.Running) return 'running';
        const health = state.Health?.Status;
        // During a restart the previous run's `healthy` is still shown: only a probe of this run counts.
        if (health === 'healthy' && state.Running && !state.Restarting && lastProbePassed(info)) return 'healthy';
        if (health === 'unhealthy' && lastProbeFailed(info)) {
          throw new ServiceFailure(service.name, `${service.name} is unhealthy: ${lastProbe(info)}`);
        }
        if (!announced && state.Running) {
          this.options.onHealthWait?.(service.name);
          announced = true;
        }
      }
      if (this.now() >= deadline) {
        const what = service.kind === 'oneshot' ? 'finish' : 'become healthy';
        throw new ServiceFailure(
          service.name,
          `${service.name} did not ${what} within ${Math.round(timeoutMs / 1000)} s (state ${state.Status}` +
            `${state.Health ? `, health ${state.Health.Status}` : ''}); last health check: ${lastProbe(info)}. ` +
            `See \`speaknode logs ${service.name}\`.`,
        );
      }
      await this.nap(service.name, poll, signal);
    }
  }
}

function lastEntry(info: Docker.ContainerInspectInfo) {
  const log = info.State.Health?.Log ?? [];
  return log[log.length - 1];
}

/** Whether the last probe passed and belongs to the container's current run. */
export function lastProbePassed(info: Docker.ContainerInspectInfo): boolean {
  const last = lastEntry(info);
  return !!last && last.ExitCode === 0 && Date.parse(last.Start) >= Date.parse(info.State.StartedAt);
}

/** Whether the last probe failed and belongs to the container's current run. */
export function lastProbeFailed(info: Docker.ContainerInspectInfo): boolean {
  const last = lastEntry(info);
  return !!last && last.ExitCode !== 0 && Date.parse(last.Start) >= Date.parse(info.State.StartedAt);
}

/** The last health check in words: its exit code and (the end of) its output. */
export function lastProbe(info: Docker.ContainerInspectInfo): string {
  const last = lastEntry(info);
  if (!last) return 'no health check has run yet';
  const output = last.Output.trim().slice(-300);
  return `exit code ${last.ExitCode}${output ? `, output: ${output}` : ', no output'}`;
}
