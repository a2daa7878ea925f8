import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RunnableService {
  name: string;
  description: string;
  /** Entry point, relative to the repository root. */
  main: string;
  /** The port from its package.json; `portVariable` moves it. */
  port: number;
  /** `CONTROL_PORT`, `AGENT_PORT`, …: the variable `npm start` reads this service's port from. */
  portVariable: string;
}

interface PackageJson {
  name: string;
  description?: string;
  workspaces?: string[];
  speaknode?: { main?: string; port?: number };
}

/**
 * The workspaces that declare `"speaknode": {"main": "src/main.ts", "port": 8080}` in their
 * package.json and whose entry point exists, in workspace order (dependencies first).
 */
export function discoverServices(root: string): RunnableService[] {
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const services: RunnableService[] = [];
  for (const workspace of rootPackage.workspaces ?? []) {
    const manifest = join(root, workspace, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
    const main = pkg.speaknode?.main;
    const port = pkg.speaknode?.port;
    if (!main || port === undefined || !existsSync(join(root, workspace, main))) continue;
    const name = pkg.name.replace(/^@speaknode\//, '');
    services.push({
      name,
      description: pkg.description ?? '',
      main: join(workspace, main),
      port,
      portVariable: `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`,
    });
  }
  return services;
}

export class LauncherConfigError extends Error {}

/**
 * Each service's port: its `<NAME>_PORT` variable when set, else its default. A value that is not
 * a port number (1–65535), or two services on one port, stops the launcher naming the variable.
 */
export function resolvePorts(services: RunnableService[], env: NodeJS.ProcessEnv): RunnableService[] {
  const taken = new Map<number, RunnableService>();
  return services.map((service) => {
    const raw = env[service.portVariable];
    let port = service.port;
    if (raw !== undefined && raw !== '') {
      if (!/^\d{1,5}$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 65_535) {
        throw new LauncherConfigError(
          `${service.portVariable}=${JSON.stringify(raw)} is not a port number: use a whole number from 1 to 65535 (the ${service.name} port, default ${service.port})`,
        );
      }
      port = Number(raw);
    }
    const other = taken.get(port);
    if (other) {
      throw new LauncherConfigError(
        `${service.name} and ${other.name} would both listen on port ${port}: set ${service.portVariable} or ${other.portVariable} to another port`,
      );
    }
    const resolved = { ...service, port };
    taken.set(port, resolved);
    return resolved;
  });
}

/**
 * Where the services reach each other on this machine, for the variables each one reads
 * (`CONTROL_URL`, `MODELS_URL`, `AGENT_URL`, `WEBHOOKS_URL` (control's way to the receiver's admin API), and the webhook receiver's own public URL and the
 * bridge's, which it puts in TwiML). Values the user set win. Control derives its own URL from PORT.
 */
export function serviceUrlEnv(services: RunnableService[], env: NodeJS.ProcessEnv): Map<string, NodeJS.ProcessEnv> {
  const portOf = (name: string) => services.find((service) => service.name === name)?.port;
  const http = (name: string) => (portOf(name) === undefined ? undefined : `http://127.0.0.1:${portOf(name)}`);
  const shared: NodeJS.ProcessEnv = {};
  if (http('control')) shared.CONTROL_URL = env.CONTROL_URL ?? http('control');
  if (http('models')) shared.MODELS_URL = env.MODELS_URL ?? http('models');
  if (http('agent')) shared.AGENT_URL = env.AGENT_URL ?? http('agent');
  if (http('webhooks')) shared.WEBHOOKS_URL = env.WEBHOOKS_URL ?? http('webhooks');
  const perService = new Map<string, NodeJS.ProcessEnv>();
  for (const service of services) {
    const own: NodeJS.ProcessEnv = { ...shared, PORT: String(service.port) };
    // On the embedded default the agent's spans go to control's OTLP endpoint (analytics in PostgreSQL).
    if (service.name === 'agent' && http('control')) {
      own.OTEL_EXPORTER_OTLP_ENDPOINT = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? http('control');
    }
    if (service.name === 'webhooks') {
      own.PUBLIC_BASE_URL = env.WEBHOOKS_PUBLIC_URL ?? http('webhooks');
      if (portOf('bridge') !== undefined)
        own.BRIDGE_PUBLIC_URL = env.BRIDGE_PUBLIC_URL ?? `ws://127.0.0.1:${portOf('bridge')}`;
    }
    perService.set(service.name, own);
  }
  return perService;
}

/** Where `npm start` keeps its state: SPEAKNODE_STATE_DIR, else `.speaknode/` in the checkout. */
export function launcherStateDir(root: string, env: NodeJS.ProcessEnv): string {
  return resolve(root, env.SPEAKNODE_STATE_DIR || '.speaknode');
}
