import type { ImageRef, ServiceDefinition } from './types.ts';

/**
 * Where a third-party image comes from when the host cannot reach Docker Hub or quay.io: a mirror
 * prefix takes the place of the registry (`postgres:16` → `<mirror>/library/postgres:16`,
 * `quay.io/keycloak/keycloak` → `<mirror>/keycloak/keycloak`, the layout of Docker's registry mirror
 * and of Harbor's proxy caches), and a per-service override names the whole reference.
 */
export function mirroredRepository(repository: string, mirror: string): string {
  const [first, ...rest] = repository.split('/');
  const hasRegistry = rest.length > 0 && (first!.includes('.') || first!.includes(':') || first === 'localhost');
  const path = hasRegistry ? rest.join('/') : rest.length === 0 ? `library/${first}` : repository;
  return `${mirror.replace(/\/+$/, '')}/${path}`;
}

/** `registry.local/pg:16.4` or `…@sha256:…` → ImageRef; a reference without a tag or digest is refused. */
export function parseImageReference(reference: string): ImageRef {
  const [name, digest] = reference.split('@');
  const slash = name!.lastIndexOf('/');
  const colon = name!.lastIndexOf(':');
  const tag = colon > slash ? name!.slice(colon + 1) : '';
  const repository = colon > slash ? name!.slice(0, colon) : name!;
  if (!repository || (!tag && !digest) || tag === 'latest') {
    throw new Error(`${reference} is not pinned: give a tag other than latest (and a digest where known)`);
  }
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`${reference}: the digest must be sha256: and 64 hex digits`);
  }
  return { repository, tag: tag || 'pinned', ...(digest ? { digest } : {}) };
}

export interface ImageSources {
  /** Our images' registry: they are never mirrored (`images build` or the bundle brings them). */
  ourRegistry: string;
  registryMirror?: string;
  /** service name → full image reference. */
  imageOverrides: Record<string, string>;
}

export function withImageSources(service: ServiceDefinition, sources: ImageSources): ServiceDefinition {
  const override = sources.imageOverrides[service.name];
  if (override) return { ...service, image: parseImageReference(override) };
  if (!sources.registryMirror || service.image.repository.startsWith(`${sources.ourRegistry}/`)) return service;
  return {
    ...service,
    image: { ...service.image, repository: mirroredRepository(service.image.repository, sources.registryMirror) },
  };
}
