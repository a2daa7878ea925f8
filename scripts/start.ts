/**
 * `npm start`: every service that exists so far, in embedded mode, in one go.
 * One embedded PostgreSQL (unless DATABASE_URL is set) is shared by all services, so the
 * PostgreSQL-backed bus works across them.
 *
 * Stopping: SIGINT or SIGTERM — to npm, to this launcher or to the whole process group — stops
 * every service (SIGTERM, so each drains) and the embedded database; a second signal kills them at
 * once. npm passes SIGINT/SIGTERM only to the shell it runs the script in, and the shell dies of it
 * without passing it on, so the launcher also stops when its parent changes. Services run in their
 * own process group, so a terminal's Ctrl-C reaches only the launcher, which stops them in order;
 * each also watches its IPC channel to the launcher and stops when the launcher is gone
 * (`exit-with-launcher.ts`), even after a SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { EmbeddedPostgres } from '@speaknode/runtime/db';
import {
  discoverServices,
  LauncherConfigError,
  launcherStateDir,
  type RunnableService,
  resolvePorts,
  serviceUrlEnv,
} from './services.ts';

const root = resolve(import.meta.dirname, '..');
const STOP_GRACE_MS = 10_000;

async function waitHealthy(service: RunnableService, child: ChildProcess, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
    } catch (error) {
      if (process.env.SPEAKNODE_START_DEBUG) console.error(service.name, error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Resolves when nothing listens on 127.0.0.1:`port`, rejects with one line naming the variable otherwise. */
function checkPortFree(service: RunnableService): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        new LauncherConfigError(
          error.code === 'EADDRINUSE'
            ? `${service.name}: port ${service.port} is taken; set ${service.portVariable} to a free port (e.g. ${service.portVariable}=${service.port + 100} npm start)`
            : `${service.name}: cannot listen on port ${service.port} (${error.code ?? error.message}); set ${service.portVariable} to another port`,
        ),
      );
    });
    probe.listen({ port: service.port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done()));
  });
}

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

/**
 * Without an external issuer, control runs an embedded one: each other service gets a
 * client-credentials client with its service role, made fresh for this run.
 */
function embeddedAuthEnv(env: NodeJS.ProcessEnv, services: RunnableService[]): Map<string, NodeJS.ProcessEnv> {
  const perService = new Map<string, NodeJS.ProcessEnv>();
  const control = services.find((service) => service.name === 'control');
  if (env.SPEAKNODE_OIDC_ISSUER || !control) return perService;
  const issuer = `http://127.0.0.1:${control.port}/oidc`;
  const clients = services
    .filter((service) => service.name !== 'control')
    .map((service) => ({
      service: service.name,
      clientId: `speaknode-${service.name}`,
      clientSecret: randomBytes(24).toString('base64url'),
      role: `service:${service.name}`,
    }))
    .filter((client) => ['service:webhooks', 'service:bridge', 'service:agent'].includes(client.role));
  perService.set('control', {
    SPEAKNODE_EMBEDDED_CLIENTS: JSON.stringify(clients.map(({ service: _, ...client }) => client)),
  });
  for (const client of clients) {
    perService.set(client.service, {
      SPEAKNODE_OIDC_ISSUER: issuer,
      SPEAKNODE_SERVICE_CLIENT_ID: client.clientId,
      SPEAKNODE_SERVICE_CLIENT_SECRET: client.clientSecret,
    });
  }
  return perService;
}

const children = new Map<string, ChildProcess>();
let postgres: EmbeddedPostgres | undefined;
let stopping = false;

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` to the service's whole process group (it may have children of its own). */
function signalService(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || !running(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping… (a second Ctrl-C kills at once)');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (!running(child)) return done();
          const force = setTimeout(() => signalService(child, 'SIGKILL'), STOP_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(force);
            done();
          });
          signalService(child, 'SIGTERM');
        }),
    ),
  );
  await postgres?.stop().catch(() => {});
  process.exit(code);
}

function killNow(): never {
  for (const child of children.values()) signalService(child, 'SIGKILL');
  process.exit(130);
}

function onSignal() {
  if (stopping) killNow();
  void stop(0);
}

async function main() {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // npm killed without passing the signal on (or the terminal closed): our parent changes.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 1_000).unref();

  const env: NodeJS.ProcessEnv = { ...process.env };
  const services = resolvePorts(discoverServices(root), env);
  for (const service of services) await checkPortFree(service);
  if (stopping) return;

  const stateDir = launcherStateDir(root, env);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  if (!env.DATABASE_URL) {
    postgres = await EmbeddedPostgres.start({ dataDir: join(stateDir, 'postgres'), port: 0 });
    env.DATABASE_URL = postgres.url;
    console.log(`embedded PostgreSQL  ${postgres.url}  (data in ${join(stateDir, 'postgres')})`);
  }
  if (stopping) return;

  const authEnv = embeddedAuthEnv(env, services);
  const urlEnv = serviceUrlEnv(services, env);
  // Webhooks signs the stream tokens the bridge checks; one secret per run unless one is given.
  env.SPEAKNODE_STREAM_SECRET ??= randomBytes(32).toString('base64url');
  // Control calls the agent worker's text-session API with this token; the API is closed without one.
  env.AGENT_API_TOKEN ??= randomBytes(32).toString('hex');

  if (services.length === 0) console.log('no runnable services yet; press Ctrl-C to stop');
  for (const service of services) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './scripts/exit-with-launcher.ts', service.main],
      {
        cwd: root,
        env: {
          ...env,
          SPEAKNODE_DATA_DIR: env.SPEAKNODE_DATA_DIR ?? join(stateDir, service.name),
          // The models host reads its model files from a folder of its own under the state folder.
          ...(service.name === 'models' ? { MODELS_DIR: env.MODELS_DIR ?? join(stateDir, 'models') } : {}),
          ...authEnv.get(service.name),
          ...urlEnv.get(service.name),
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // Its own process group: the terminal's Ctrl-C reaches the launcher, which stops it in order.
        detached: true,
      },
    );
    children.set(service.name, child);
    prefixLines(service.name, child.stdout!, process.stdout);
    prefixLines(service.name, child.stderr!, process.stderr);
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${service.name} exited (${signal ?? code}); stopping the rest`);
        void stop(1);
      }
    });
  }
  for (const service of services) {
    const healthy = await waitHealthy(service, children.get(service.name)!);
    if (stopping) return;
    if (!healthy) {
      console.error(`${service.name} did not become healthy on port ${service.port}`);
      return stop(1);
    }
    console.log(`${service.name.padEnd(10)} http://127.0.0.1:${service.port}  ${service.description}`);
  }
  if (services.length > 0) console.log('all services up; press Ctrl-C to stop');
}

main().catch((error) => {
  if (error instanceof LauncherConfigError) console.error(`npm start: ${error.message}`);
  else console.error(error);
  void stop(error instanceof LauncherConfigError ? 64 : 1);
});
