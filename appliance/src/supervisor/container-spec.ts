import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { imageReference } from '../stack/types.ts';
import type { ResolvedService, ResolvedStack } from './resolve.ts';

export const LABEL_PROJECT = 'io.speaknode.project';
export const LABEL_SERVICE = 'io.speaknode.service';
export const LABEL_HASH = 'io.speaknode.config-hash';
export const LABEL_KIND = 'io.speaknode.kind';

const NS = 1_000_000_000;

export function containerName(project: string, service: string): string {
  return `${project}-${service}`;
}

export function networkName(project: string, network: string): string {
  return `${project}_${network}`;
}

export function volumeName(project: string, volume: string): string {
  return `${project}_${volume}`;
}

/** The engine's create request for a service, labelled with a hash of itself so `up` can tell what changed. */
export function containerSpec(stack: ResolvedStack, service: ResolvedService): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of service.ports) {
    for (let i = 0; i < (p.count ?? 1); i++) {
      const key = `${p.container + i}/${p.protocol}`;
      exposed[key] = {};
      const binding = { HostIp: p.bind, HostPort: p.host === 0 ? '' : String(p.host + i) };
      bindings[key] = [...(bindings[key] ?? []), binding];
    }
  }
  const [firstNetwork, ...otherNetworks] = service.networks;
  const h = service.healthcheck;
  const spec: Docker.ContainerCreateOptions = {
    Image: imageReference(service.image),
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL_PROJECT]: stack.project,
      [LABEL_SERVICE]: service.name,
      [LABEL_KIND]: service.kind,
    },
    ExposedPorts: exposed,
    HostConfig: {
      Mounts: [
        ...service.volumes.map((v) => ({
          Type: 'volume' as const,
          Source: volumeName(stack.project, v.volume),
          Target: v.target,
        })),
        ...service.configFiles.map((f) => ({
          Type: 'bind' as const,
          Source: f.source,
          Target: f.target,
          ReadOnly: true,
        })),
      ],
      PortBindings: bindings,
      RestartPolicy: { Name: service.restart === 'no' ? '' : service.restart },
      NanoCpus: Math.round(service.resources.cpus * NS),
      Memory: service.resources.memoryMb * 1024 * 1024,
      ...(service.init ? { Init: true } : {}),
      NetworkMode: firstNetwork ? networkName(stack.project, firstNetwork) : 'none',
      ...(service.gpu ? { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] } : {}),
    },
    NetworkingConfig: firstNetwork
      ? { EndpointsConfig: { [networkName(stack.project, firstNetwork)]: { Aliases: [service.name] } } }
      : undefined,
  };
  if (service.command) spec.Cmd = service.command;
  if (service.entrypoint) spec.Entrypoint = service.entrypoint;
  if (service.user) spec.User = service.user;
  if (h) {
    spec.Healthcheck = {
      Test: h.test,
      Interval: Math.round(h.intervalS * NS),
      Timeout: Math.round(h.timeoutS * NS),
      Retries: h.retries,
      StartPeriod: Math.round(h.startPeriodS * NS),
    };
  }
  // Mounted files count too: a rewritten livekit.yaml must recreate livekit on the next `up`.
  const files = service.configFiles.map((f) => f.contentHash ?? '');
  const hash = createHash('sha256').update(JSON.stringify({ spec, otherNetworks, files })).digest('hex').slice(0, 16);
  spec.Labels![LABEL_HASH] = hash;
  return spec;
}

export interface HostCapacity {
  cpus: number;
  memoryMb: number;
}

/**
 * The stack with every service's limits cut to what the host has: the engine refuses a CPU limit
 * above the host's CPUs ("Range of CPUs is from 0.01 to 2.00"), so a 4-CPU request on a 2-CPU host
 * would never start. The definitions stay the sizing for a production host (see `doctor`).
 */
export function fitToHost<T extends ResolvedStack>(stack: T, host: HostCapacity): T {
  return {
    ...stack,
    services: stack.services.map((service) => {
      const cpus = Math.min(service.resources.cpus, host.cpus);
      const memoryMb = Math.min(service.resources.memoryMb, host.memoryMb);
      if (cpus === service.resources.cpus && memoryMb === service.resources.memoryMb) return service;
      return { ...service, resources: { cpus, memoryMb } };
    }),
  };
}

export function specHash(spec: Docker.ContainerCreateOptions): string {
  return spec.Labels?.[LABEL_HASH] ?? '';
}
