import { withImageSources } from './image-source.ts';
import { referencedSecrets, SECRET_NAMES } from './secrets.ts';
import { clickhouse } from './services/clickhouse.ts';
import { STACK_NETWORK, type StackContext, stackContext } from './services/common.ts';
import { kafka, kafkaTopics } from './services/kafka.ts';
import { keycloak } from './services/keycloak.ts';
import { lagoApi, lagoWorker } from './services/lago.ts';
import { langfuseWeb, langfuseWorker } from './services/langfuse.ts';
import { livekit, livekitSip } from './services/livekit.ts';
import { minio, minioBuckets } from './services/minio.ts';
import { otelCollector } from './services/otel-collector.ts';
import { postgres } from './services/postgres.ts';
import { redis } from './services/redis.ts';
import { agent, bridge, control, models, webhooks } from './services/speaknode.ts';
import { type StackSettings, type StackSettingsInput, StackSettings as StackSettingsSchema } from './settings.ts';
import type { ServiceDefinition, StackDefinition } from './types.ts';

const SERVICES: ((ctx: StackContext) => ServiceDefinition)[] = [
  postgres,
  redis,
  kafka,
  kafkaTopics,
  clickhouse,
  minio,
  minioBuckets,
  keycloak,
  livekit,
  livekitSip,
  otelCollector,
  lagoApi,
  lagoWorker,
  langfuseWeb,
  langfuseWorker,
  control,
  webhooks,
  bridge,
  agent,
  models,
];

/** The whole stack for these settings, optional profiles included (each marked with its profile). */
export function defineStack(input: StackSettings | StackSettingsInput): StackDefinition {
  const settings = StackSettingsSchema.parse(input);
  const ctx = stackContext(settings);
  const sources = {
    ourRegistry: settings.imageRegistry,
    registryMirror: settings.registryMirror,
    imageOverrides: settings.imageOverrides,
  };
  const services = SERVICES.map((make) => withImageSources(make(ctx), sources));
  const volumes = [...new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)))];
  return { project: settings.project, networks: [STACK_NETWORK], volumes, services };
}

/** The services that run for these settings: core ones plus the selected profiles. */
export function activeServices(stack: StackDefinition, profiles: readonly string[]): ServiceDefinition[] {
  return stack.services.filter((s) => s.profile === undefined || profiles.includes(s.profile));
}

/** Services ordered so that each comes after its dependencies; throws on a cycle or unknown dependency. */
export function dependencyOrder<T extends Pick<ServiceDefinition, 'name' | 'dependsOn'>>(services: readonly T[]): T[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: T, path: string[]) => {
    if (state.get(service.name) === 'done') return;
    if (state.get(service.name) === 'visiting') {
      throw new Error(`dependency cycle: ${[...path, service.name].join(' → ')}`);
    }
    state.set(service.name, 'visiting');
    for (const dependency of Object.keys(service.dependsOn)) {
      const found = byName.get(dependency);
      if (!found) throw new Error(`${service.name} depends on ${dependency}, which is not part of the stack`);
      visit(found, [...path, service.name]);
    }
    state.set(service.name, 'done');
    ordered.push(service);
  };
  for (const service of services) visit(service, []);
  return ordered;
}

/** Problems with a set of services, in words: unknown dependencies, cycles, clashing host ports, unknown secrets. */
export function validateServices(services: readonly ServiceDefinition[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const service of services) {
    if (names.has(service.name)) problems.push(`service ${service.name} is defined twice`);
    names.add(service.name);
  }
  for (const service of services) {
    for (const dependency of Object.keys(service.dependsOn)) {
      if (!names.has(dependency))
        problems.push(`${service.name} depends on ${dependency}, which is not part of the stack`);
    }
  }
  if (problems.length === 0) {
    try {
      dependencyOrder(services);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const taken = new Map<string, string>();
  for (const service of services) {
    for (const port of service.ports) {
      for (let i = 0; i < (port.count ?? 1); i++) {
        if (port.host === 0) continue;
        const key = `${port.protocol}/${port.host + i}`;
        const owner = taken.get(key);
        if (owner && owner !== service.name) {
          problems.push(`host port ${key} is published by both ${owner} and ${service.name}`);
          break;
        }
        taken.set(key, service.name);
      }
    }
    const strings = [
      ...Object.values(service.environment),
      ...(service.command ?? []),
      ...(service.entrypoint ?? []),
      ...(service.healthcheck?.test ?? []),
    ];
    for (const name of strings.flatMap(referencedSecrets)) {
      if (!(SECRET_NAMES as readonly string[]).includes(name)) {
        problems.push(`${service.name} refers to secret ${name}, which is never generated`);
      }
    }
    if (service.kind === 'daemon' && !service.healthcheck) problems.push(`${service.name} has no healthcheck`);
    if (service.image.tag === 'latest' || service.image.tag === '') {
      problems.push(`${service.name} has an unpinned image`);
    }
  }
  return problems;
}
