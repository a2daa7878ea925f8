import { type PublicUrls, publicUrls, type StackSettings } from '../settings.ts';
import type { Healthcheck, ServiceDefinition } from '../types.ts';

export const STACK_NETWORK = 'stack';

export interface StackContext {
  settings: StackSettings;
  urls: PublicUrls;
}

export function stackContext(settings: StackSettings): StackContext {
  return { settings, urls: publicUrls(settings) };
}

type Required = Pick<ServiceDefinition, 'name' | 'description' | 'image' | 'resources'>;

/** A long-running service on the stack network with the usual defaults. */
export function daemon(definition: Required & Partial<ServiceDefinition>): ServiceDefinition {
  return {
    kind: 'daemon',
    environment: {},
    dependsOn: {},
    volumes: [],
    configFiles: [],
    ports: [],
    networks: [STACK_NETWORK],
    restart: 'unless-stopped',
    ...definition,
  };
}

/** A job that runs to completion once its dependencies are healthy (topics, buckets). */
export function oneshot(definition: Required & Partial<ServiceDefinition>): ServiceDefinition {
  // A failed job is run again by the next `up`, not restarted in a loop by the engine.
  return { ...daemon(definition), kind: 'oneshot', restart: 'no', ...definition };
}

export function health(test: string[], options: Partial<Omit<Healthcheck, 'test'>> = {}): Healthcheck {
  return { test, intervalS: 5, timeoutS: 5, retries: 10, startPeriodS: 10, ...options };
}

/** Healthcheck of our Node services: `/readyz` answers 200 once their dependencies answer. */
export function nodeReadyz(port: number): Healthcheck {
  return health(
    [
      'CMD',
      'node',
      '-e',
      `fetch('http://127.0.0.1:${port}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
    ],
    { startPeriodS: 20 },
  );
}

/** Our own images: `<registry>/<name>:<version>`, carried by the offline bundle. */
export function ourImage(settings: StackSettings, name: string) {
  return { repository: `${settings.imageRegistry}/${name}`, tag: settings.speaknodeVersion };
}
