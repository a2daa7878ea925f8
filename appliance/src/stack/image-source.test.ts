import { describe, expect, it } from 'vitest';
import { mirroredRepository, parseImageReference } from './image-source.ts';
import { defineStack } from './stack.ts';
import { imageReference } from './types.ts';

describe('image sources', () => {
  it('puts a mirror in place of the registry, Docker Hub official images under library/', () => {
    expect(mirroredRepository('postgres', 'mirror.local:5000')).toBe('mirror.local:5000/library/postgres');
    expect(mirroredRepository('livekit/livekit-server', 'mirror.local:5000')).toBe(
      'mirror.local:5000/livekit/livekit-server',
    );
    expect(mirroredRepository('quay.io/keycloak/keycloak', 'harbor.local/hub/')).toBe(
      'harbor.local/hub/keycloak/keycloak',
    );
  });

  it('mirrors every third-party image of the stack and none of ours; an override names the whole image', () => {
    const stack = defineStack({
      domain: 'voice.example.com',
      registryMirror: 'mirror.local:5000',
      imageOverrides: { redis: 'registry.local/cache/redis:7.4.1' },
    });
    const image = (name: string) => imageReference(stack.services.find((s) => s.name === name)!.image);
    expect(image('postgres')).toBe('mirror.local:5000/library/postgres:16.4-alpine3.20');
    expect(image('keycloak')).toBe('mirror.local:5000/keycloak/keycloak:26.0.7');
    expect(image('redis')).toBe('registry.local/cache/redis:7.4.1');
    expect(image('control')).toBe('speaknode/control:0.1.0');
    for (const service of stack.services) {
      if (!service.image.repository.startsWith('speaknode/') && service.name !== 'redis') {
        expect(service.image.repository, service.name).toMatch(/^mirror\.local:5000\//);
      }
    }
  });

  it('refuses an override that is not pinned', () => {
    expect(() => parseImageReference('registry.local/redis')).toThrow(/not pinned/);
    expect(() => parseImageReference('registry.local/redis:latest')).toThrow(/not pinned/);
    expect(() => parseImageReference('redis:7@sha256:abc')).toThrow(/64 hex digits/);
    expect(parseImageReference(`registry.local:5000/redis:7@sha256:${'a'.repeat(64)}`)).toEqual({
      repository: 'registry.local:5000/redis',
      tag: '7',
      digest: `sha256:${'a'.repeat(64)}`,
    });
  });
});
