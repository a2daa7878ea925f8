/**
 * `npm start`: every service that exists so far, in embedded mode, in one go.
 * One embedded PostgreSQL (unless DATABASE_URL is set) is shared by all services, so the
 * PostgreSQL-backed bus works across them. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmbeddedPostgres } from '@speaknode/runtime/db';
import { discoverServices, type RunnableService } from './services.ts';

const root = resolve(import.meta.dirname, '..');
const stateDir = join(root, '.speaknode');

async function waitHealthy(service: RunnableService, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
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

async function main() {
  mkdirSync(stateDir, { recursive: true });
  const services = discoverServices(root);
  const env: NodeJS.ProcessEnv = { ...process.env };
  let postgres: EmbeddedPostgres | undefined;
  if (!env.DATABASE_URL) {
    postgres = await EmbeddedPostgres.start({ dataDir: join(stateDir, 'postgres'), port: 0 });
    env.DATABASE_URL = postgres.url;
    console.log(`embedded PostgreSQL  ${postgres.url}  (data in .speaknode/postgres)`);
  }

  const perService = embeddedAuthEnv(env, services);
  // Webhooks signs the stream tokens the bridge checks; one secret per run unless one is given.
  env.SPEAKNODE_STREAM_SECRET ??= randomBytes(32).toString('base64url');
  // Control calls the agent worker's text-session API with this token; the API is closed without one.
  env.AGENT_API_TOKEN ??= randomBytes(32).toString('hex');

  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await postgres?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  if (services.length === 0) {
    console.log('no runnable services yet; press Ctrl-C to stop');
  }
  for (const service of services) {
    const child = spawn(process.execPath, ['--import', 'tsx', service.main], {
      cwd: root,
      env: { ...env, ...perService.get(service.name), PORT: String(service.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
  console.error(error);
  process.exit(1);
});
