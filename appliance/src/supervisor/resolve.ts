import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSecrets } from '../stack/secrets.ts';
import { activeServices } from '../stack/stack.ts';
import type { ServiceDefinition, StackDefinition } from '../stack/types.ts';

/** A service with secrets filled in and config files as absolute paths: what the engine is given. */
export interface ResolvedService extends Omit<ServiceDefinition, 'configFiles'> {
  /** `contentHash` (SHA-256 of the file when it exists) lets `up` recreate a service whose file changed. */
  configFiles: { source: string; target: string; contentHash?: string }[];
}

function contentHash(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

export interface ResolvedStack {
  project: string;
  networks: string[];
  volumes: string[];
  services: ResolvedService[];
}

/** The services for the selected profiles, ready for the supervisor. Throws when a secret is missing. */
export function resolveStack(
  stack: StackDefinition,
  profiles: readonly string[],
  secrets: Readonly<Record<string, string>>,
  configDir: string,
): ResolvedStack {
  const resolve = (v: string) => resolveSecrets(v, secrets);
  const services = activeServices(stack, profiles).map(
    (s): ResolvedService => ({
      ...s,
      environment: Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, resolve(v)])),
      command: s.command?.map(resolve),
      entrypoint: s.entrypoint?.map(resolve),
      healthcheck: s.healthcheck && { ...s.healthcheck, test: s.healthcheck.test.map(resolve) },
      configFiles: s.configFiles.map((f) => {
        const source = join(configDir, f.file);
        return { source, target: f.target, contentHash: contentHash(source) };
      }),
    }),
  );
  const volumes = [...new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)))];
  return { project: stack.project, networks: stack.networks, volumes, services };
}

/**
 * A deep-frozen copy of a stack: what one operation works on from its start to its end. Nothing
 * another operation (an upgrade moving to new definitions) does can change it mid-run.
 */
export function snapshotStack(stack: ResolvedStack): Readonly<ResolvedStack> {
  return deepFreeze(structuredClone(stack));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
