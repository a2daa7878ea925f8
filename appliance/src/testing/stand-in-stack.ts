import type { DependencyCondition, Healthcheck } from '../stack/types.ts';
import type { ResolvedService, ResolvedStack } from '../supervisor/resolve.ts';

export const STAND_IN_IMAGE = { repository: 'speaknode-test/busybox', tag: '1' };

export interface StandInOptions {
  /** Shell script run as the container's main process. */
  script?: string;
  kind?: 'daemon' | 'oneshot';
  dependsOn?: Record<string, DependencyCondition>;
  healthcheck?: Partial<Healthcheck> & { test: string[] };
  image?: { repository: string; tag: string };
  restart?: ResolvedService['restart'];
  ports?: ResolvedService['ports'];
  volumes?: ResolvedService['volumes'];
  environment?: Record<string, string>;
}

/** A service made of busybox: `script` runs as PID 1 (via sh), healthchecks are shell commands. */
export function standIn(name: string, options: StandInOptions = {}): ResolvedService {
  const h = options.healthcheck;
  return {
    name,
    description: `stand-in ${name}`,
    image: options.image ?? STAND_IN_IMAGE,
    kind: options.kind ?? 'daemon',
    // PID 1 ignores SIGTERM unless it traps it: without the trap every stop would wait for the kill timeout.
    command: ['/bin/sh', '-c', `trap 'exit 0' TERM INT; ${options.script ?? 'sleep 3600 & wait $!'}`],
    environment: options.environment ?? {},
    healthcheck: h ? { intervalS: 0.5, timeoutS: 5, retries: 3, startPeriodS: 0, ...h } : undefined,
    dependsOn: options.dependsOn ?? {},
    volumes: options.volumes ?? [],
    configFiles: [],
    ports: options.ports ?? [],
    networks: ['stack'],
    resources: { cpus: 0.5, memoryMb: 64 },
    restart: options.restart ?? (options.kind === 'oneshot' ? 'no' : 'unless-stopped'),
  };
}

export function standInStack(project: string, services: ResolvedService[], volumes: string[] = []): ResolvedStack {
  return { project, networks: ['stack'], volumes, services };
}

/** A service that becomes healthy `seconds` after it starts (the check looks for a file the script writes). */
export function slowToBecomeHealthy(name: string, seconds: number, options: StandInOptions = {}): ResolvedService {
  return standIn(name, {
    ...options,
    script: `echo "${name} starting"; sleep ${seconds}; touch /tmp/ready; echo "${name} ready"; sleep 3600 & wait $!`,
    // Failures during the start period do not count; once healthy, three failed probes make it unhealthy.
    healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], intervalS: 0.25, retries: 3, startPeriodS: seconds + 30 },
  });
}

/** A service whose healthcheck itself takes `seconds` to answer (healthy on the first probe). */
export function slowHealthcheck(name: string, seconds: number, options: StandInOptions = {}): ResolvedService {
  return standIn(name, {
    ...options,
    healthcheck: { test: ['CMD', 'sleep', String(seconds)], intervalS: 0.1, timeoutS: seconds + 10, retries: 3 },
  });
}
