import { join } from 'node:path';
import { SERVICE_PORTS } from '../stack/services/speaknode.ts';
import type { StackSettings } from '../stack/settings.ts';

/**
 * Our own services as images: which workspace, which entry points become bundles, what runs at
 * entry before the server. The Dockerfiles live in `appliance/images/<name>/Dockerfile`.
 */
export interface ServiceImage {
  name: 'control' | 'webhooks' | 'agent' | 'bridge' | 'models';
  /** The workspace, relative to the repository root. */
  workspace: string;
  /** Entry points (TypeScript, relative to the repository root); the first is the server. */
  entries: string[];
  port: number;
  /** Arguments to the server's entry that apply migrations and exit, run by the entrypoint first. */
  migrate?: string[];
}

export const SERVICE_IMAGES: readonly ServiceImage[] = [
  {
    name: 'control',
    workspace: 'services/control',
    // token.js: a trial's admin token from the embedded issuer (`docker exec … node …/token.js`).
    entries: ['services/control/src/main.ts', 'services/control/src/cli/token.ts'],
    port: SERVICE_PORTS.control,
    migrate: ['migrate'],
  },
  // The receiver migrates its route table itself, in the background, so it accepts webhooks while
  // PostgreSQL is still starting (see services/webhooks/src/main.ts).
  {
    name: 'webhooks',
    workspace: 'services/webhooks',
    entries: ['services/webhooks/src/main.ts'],
    port: SERVICE_PORTS.webhooks,
  },
  {
    name: 'agent',
    workspace: 'services/agent',
    // LiveKit's job processes import job-entry (voice-worker.ts names it next to itself).
    entries: ['services/agent/src/main.ts', 'services/agent/src/voice/job-entry.ts'],
    port: SERVICE_PORTS.agent,
  },
  {
    name: 'bridge',
    workspace: 'services/bridge',
    entries: ['services/bridge/src/main.ts'],
    port: SERVICE_PORTS.bridge,
  },
  {
    name: 'models',
    workspace: 'models',
    // The inference runs in a worker thread loaded from the file beside its client.
    entries: ['models/src/main.ts', 'models/src/inference/engine-worker.ts'],
    port: SERVICE_PORTS.models,
  },
];

export function serviceImage(name: string): ServiceImage {
  const found = SERVICE_IMAGES.find((image) => image.name === name);
  if (!found) {
    throw new Error(`no image named ${name}; images: ${SERVICE_IMAGES.map((image) => image.name).join(', ')}`);
  }
  return found;
}

/** Where the images' files sit inside the image: bundles at their sources' paths, .ts → .js. */
export const APP_DIR = '/opt/speaknode/app';

export function bundlePath(entry: string): string {
  return entry.replace(/\.ts$/, '.js');
}

/** The tag `speaknode up` looks for: `<imageRegistry>/<name>:<speaknodeVersion>`. */
export function serviceImageTag(settings: Pick<StackSettings, 'imageRegistry' | 'speaknodeVersion'>, name: string) {
  return `${settings.imageRegistry}/${name}:${settings.speaknodeVersion}`;
}

/** The Dockerfiles' base (tag and digest): `images build --base` replaces it (a mirror, or a test's local image). */
export const NODE_BASE_IMAGE =
  'node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0';

export function dockerfileDir(repoRoot: string, name: string): string {
  return join(repoRoot, 'appliance', 'images', name);
}
