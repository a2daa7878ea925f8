import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMissingSecrets } from '../stack/secrets.ts';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { containerSpec, fitToHost, LABEL_HASH } from './container-spec.ts';
import { resolveStack } from './resolve.ts';

const { secrets } = generateMissingSecrets({});
const resolved = (gpu: boolean) => {
  const settings = StackSettings.parse({ domain: 'voice.example.com', gpu, profiles: ['models'] });
  return resolveStack(defineStack(settings), settings.profiles, secrets, '/state/config');
};

describe('fitToHost', () => {
  it('cuts CPU and memory limits above the host (Docker refuses them) and leaves the rest alone', () => {
    const stack = fitToHost(resolved(false), { cpus: 2, memoryMb: 3000 });
    const agent = stack.services.find((s) => s.name === 'agent')!;
    const livekit = stack.services.find((s) => s.name === 'livekit')!;
    const redis = stack.services.find((s) => s.name === 'redis')!;
    expect(agent.resources).toEqual({ cpus: 2, memoryMb: 3000 });
    expect(livekit.resources.cpus).toBe(2);
    expect(redis.resources).toEqual({ cpus: 1, memoryMb: 1024 });
    expect(containerSpec(stack, agent).HostConfig?.NanoCpus).toBe(2_000_000_000);
    expect(containerSpec(stack, agent).HostConfig?.Init).toBe(true);
  });
});

describe('containerSpec', () => {
  it('turns a service into an engine create request: env, mounts, ports on their bind address, limits', () => {
    const stack = resolved(false);
    const minio = containerSpec(stack, stack.services.find((s) => s.name === 'minio')!);
    expect(minio.Env).toContain(`MINIO_ROOT_PASSWORD=${secrets.MINIO_ROOT_PASSWORD}`);
    expect(minio.HostConfig?.PortBindings).toEqual({ '9001/tcp': [{ HostIp: '127.0.0.1', HostPort: '9001' }] });
    expect(minio.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: 'speaknode_minio-data', Target: '/data' }]);
    expect(minio.HostConfig?.NanoCpus).toBe(1_000_000_000);
    expect(minio.HostConfig?.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(minio.NetworkingConfig?.EndpointsConfig?.speaknode_stack?.Aliases).toEqual(['minio']);
    const sip = containerSpec(stack, stack.services.find((s) => s.name === 'livekit-sip')!);
    expect(Object.keys(sip.ExposedPorts ?? {})).toHaveLength(202);
    expect(sip.HostConfig?.PortBindings?.['10199/udp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '10199' }]);
    const keycloak = containerSpec(stack, stack.services.find((s) => s.name === 'keycloak')!);
    expect(keycloak.HostConfig?.Mounts).toContainEqual({
      Type: 'bind',
      Source: '/state/config/keycloak-realm.json',
      Target: '/opt/keycloak/data/import/speaknode-realm.json',
      ReadOnly: true,
    });
  });

  it('asks for NVIDIA GPUs only when a GPU is selected, and the hash tells definitions apart', () => {
    const gpu = resolved(true);
    const cpu = resolved(false);
    const withGpu = containerSpec(gpu, gpu.services.find((s) => s.name === 'models')!);
    const withoutGpu = containerSpec(cpu, cpu.services.find((s) => s.name === 'models')!);
    expect(withGpu.HostConfig?.DeviceRequests).toEqual([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
    expect(withoutGpu.HostConfig?.DeviceRequests).toBeUndefined();
    expect(withGpu.Labels?.[LABEL_HASH]).not.toBe(withoutGpu.Labels?.[LABEL_HASH]);
    const again = resolved(false);
    expect(containerSpec(again, again.services.find((s) => s.name === 'models')!).Labels?.[LABEL_HASH]).toBe(
      withoutGpu.Labels?.[LABEL_HASH],
    );
  });

  it('changes the hash when a mounted config file changes, so up recreates that service', async () => {
    const dir = await mkdtemp('/tmp/sn-spec-');
    try {
      const settings = StackSettings.parse({ domain: 'voice.example.com' });
      const hashOf = () => {
        const stack = resolveStack(defineStack(settings), [], secrets, dir);
        return containerSpec(stack, stack.services.find((s) => s.name === 'livekit')!).Labels?.[LABEL_HASH];
      };
      await writeFile(join(dir, 'livekit.yaml'), 'port: 7880\n');
      const first = hashOf();
      expect(hashOf()).toBe(first);
      await writeFile(join(dir, 'livekit.yaml'), 'port: 7881\n');
      expect(hashOf()).not.toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to resolve a stack whose secrets are missing, naming them', () => {
    const settings = StackSettings.parse({ domain: 'voice.example.com' });
    expect(() =>
      resolveStack(defineStack(settings), [], { ...secrets, REDIS_PASSWORD: undefined } as never, '/c'),
    ).toThrow(/secrets missing from the secret store: REDIS_PASSWORD/);
  });
});
