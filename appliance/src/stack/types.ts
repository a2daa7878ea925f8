/**
 * The stack as typed data. A service definition says everything the supervisor and the Compose
 * renderer need; values that hold secrets carry `{{NAME}}` placeholders (see `secrets.ts`) that are
 * resolved against the SecretStore at start, or rendered as `${…}` interpolations for Compose.
 */

/** Optional parts of the stack; a service without a profile is always part of it. */
export const PROFILES = ['models', 'lago', 'langfuse'] as const;
export type Profile = (typeof PROFILES)[number];

export interface ImageRef {
  /** Repository, e.g. `postgres` or `quay.io/keycloak/keycloak`. */
  repository: string;
  /** Pinned tag: never `latest`. */
  tag: string;
  /** `sha256:…` where known; the reference then resolves to exactly that image. */
  digest?: string;
}

export interface Healthcheck {
  /** Docker's form: `['CMD', …]` or `['CMD-SHELL', '…']`. */
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  /** Failures during the start period do not count against `retries`. */
  startPeriodS: number;
}

/** When a dependent may start: the dependency is healthy, running, or (for one-shot jobs) exited 0. */
export type DependencyCondition = 'service_healthy' | 'service_started' | 'service_completed_successfully';

export interface PortMapping {
  /** Host port (first of a range when `count` > 1). 0 lets the engine pick one. */
  host: number;
  container: number;
  protocol: 'tcp' | 'udp';
  /** `127.0.0.1` keeps an internal port off the network; `0.0.0.0` is public. */
  bind: '127.0.0.1' | '0.0.0.0';
  /** A contiguous range of this many ports (LiveKit's RTC range). */
  count?: number;
  /** What a person opening a firewall needs to know. */
  purpose: string;
}

export interface VolumeMount {
  /** Named volume (without the project prefix). */
  volume: string;
  target: string;
}

export interface ConfigMount {
  /** A file generated into the state directory by `speaknode init`, relative to its `config/` folder. It holds no secret (0644). */
  file: string;
  target: string;
}

export type RestartPolicy = 'no' | 'on-failure' | 'unless-stopped' | 'always';

export interface ServiceDefinition {
  name: string;
  description: string;
  image: ImageRef;
  /** Undefined: always part of the stack. */
  profile?: Profile;
  /** `daemon` runs until stopped; `oneshot` runs to completion (topic and bucket creation). */
  kind: 'daemon' | 'oneshot';
  entrypoint?: string[];
  command?: string[];
  environment: Record<string, string>;
  healthcheck?: Healthcheck;
  dependsOn: Record<string, DependencyCondition>;
  volumes: VolumeMount[];
  configFiles: ConfigMount[];
  ports: PortMapping[];
  /** Inside the stack network every service is reachable by its name. */
  networks: string[];
  resources: { cpus: number; memoryMb: number };
  restart: RestartPolicy;
  /** Ask the engine for all NVIDIA GPUs (the models host when a GPU is selected). */
  gpu?: boolean;
  user?: string;
  /** Run an init process as PID 1 (`docker run --init`): it reaps child processes and forwards signals. */
  init?: boolean;
}

export interface StackDefinition {
  /** Compose project name and the prefix of containers, volumes and the network. */
  project: string;
  networks: string[];
  volumes: string[];
  services: ServiceDefinition[];
}

export function imageReference(image: ImageRef): string {
  return image.digest ? `${image.repository}:${image.tag}@${image.digest}` : `${image.repository}:${image.tag}`;
}
