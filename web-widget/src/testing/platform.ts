/**
 * The real platform for the widget's browser tests: control and the agent worker as processes
 * (embedded defaults: PGlite, in-process store, embedded issuer), a stand-in OpenAI-compatible LLM,
 * an agent whose widget allows the test pages' origin, and the test pages. Without a real LiveKit,
 * control creates rooms on a stand-in of LiveKit's room API, whose signalling the browser cannot
 * join: voice sessions are granted and the room connection fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { FakeLivekitServer } from '../../../services/control/src/livekit/testing/fake-livekit-server.ts';
import {
  type AgentWorkerProcess,
  freePort,
  startAgentWorker,
} from '../../../services/control/src/testing/agent-worker-process.ts';
import {
  type ChatReply,
  type ChatRequest,
  lastUserText,
  type OpenAIChatServer,
  startOpenAIChatServer,
} from '../../../services/control/src/testing/openai-chat-server.ts';
import { startTestPages, type TestPages } from './test-pages.ts';
import { startVisitorProxy, type VisitorProxy } from './visitor-proxy.ts';

const widgetRoot = fileURLToPath(new URL('../../', import.meta.url));
const controlRoot = fileURLToPath(new URL('../../../services/control/', import.meta.url));
const exitWithParent = fileURLToPath(new URL('../../../scripts/exit-with-launcher.ts', import.meta.url));

export interface Platform {
  controlUrl: string;
  /** api-base for a visitor at `ip` (through a proxy that sets X-Forwarded-For: per-IP limits per test). */
  apiBaseFor(ip: string): string;
  llm: OpenAIChatServer;
  proxy: VisitorProxy;
  pages: TestPages;
  publishableKey: string;
  spaceId: string;
  agentId: string;
  /** The admin API, with the trial admin's token. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  widgetDir: string;
  stopControl(): Promise<void>;
  close(): Promise<void>;
}

interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnControl(env: Record<string, string>): ServiceProcess {
  // The launcher's preload stops control when this process goes (its IPC channel closes), even when
  // a test run is killed: no control is left behind holding a port.
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitWithParent, 'src/main.ts'], {
    cwd: controlRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.unref();
  child.channel?.unref();
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}

async function waitHealthy(url: string, service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + Number(process.env.SPEAKNODE_TEST_START_MS ?? 120_000);
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`control exited early:\n${service.output()}`);
    if (Date.now() > deadline) throw new Error(`control did not start:\n${service.output()}`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function run(command: string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${command.join(' ')}: ${err}`)),
    );
  });
}

/** Builds the widget into a folder of its own (the tests never touch web-widget/dist). */
export async function buildWidget(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'speaknode-widget-build-'));
  await build({
    root: widgetRoot,
    configFile: join(widgetRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

export async function startPlatform(
  options: {
    reply?: (request: ChatRequest) => ChatReply;
    widgetDir?: string;
    /** A real LiveKit server for control and the worker; unset: a URL nobody listens on (voice fails to connect). */
    livekit?: { url: string; apiKey: string; apiSecret: string };
    /** More environment for control and for the agent worker (the benchmark's production-like settings). */
    env?: { control?: Record<string, string>; agent?: Record<string, string> };
  } = {},
): Promise<Platform> {
  if (process.env.SPEAKNODE_TEST_DEBUG) console.error('platform: building the widget');
  const widgetDir = options.widgetDir ?? (await buildWidget());
  if (process.env.SPEAKNODE_TEST_DEBUG) console.error('platform: built');
  const dataDir = await mkdtemp(join(tmpdir(), 'speaknode-widget-control-'));
  const llm = await startOpenAIChatServer(
    options.reply ?? ((request) => ({ text: `You said: ${lastUserText(request)}` })),
  );
  const [controlPort, agentPort] = [await freePort(), await freePort()];
  // Without a real LiveKit: control creates its rooms on a stand-in of LiveKit's room API (it does so
  // before it issues a token), and the browser's signalling connection to it fails.
  const livekitApiKey = 'widget-test-key';
  const livekitApiSecret = randomBytes(24).toString('base64url');
  const roomApi = options.livekit ? undefined : await new FakeLivekitServer(livekitApiKey, livekitApiSecret).start();
  const apiToken = randomBytes(24).toString('hex');
  const agentSecret = randomBytes(24).toString('base64url');
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const livekitEnv = {
    LIVEKIT_URL: options.livekit?.url ?? (roomApi as FakeLivekitServer).url.replace(/^http/, 'ws'),
    LIVEKIT_API_KEY: options.livekit?.apiKey ?? livekitApiKey,
    LIVEKIT_API_SECRET: options.livekit?.apiSecret ?? livekitApiSecret,
  };
  const controlEnv = {
    PORT: String(controlPort),
    SPEAKNODE_DATA_DIR: dataDir,
    SPEAKNODE_EMBEDDED_CLIENTS: JSON.stringify([
      { clientId: 'widget-test-agent', clientSecret: agentSecret, role: 'service:agent' },
    ]),
    SPEAKNODE_WIDGET_DIR: widgetDir,
    AGENT_URL: `http://127.0.0.1:${agentPort}`,
    AGENT_API_TOKEN: apiToken,
    // The visitor proxy (on loopback) gives each test its own visitor address in X-Forwarded-For.
    TRUSTED_PROXIES: 'loopback',
    ...livekitEnv,
    ...options.env?.control,
  };
  let control: ServiceProcess | undefined;
  let worker: AgentWorkerProcess | undefined;
  let pages: TestPages | undefined;
  let proxy: VisitorProxy | undefined;
  const close = async () => {
    await pages?.close();
    await proxy?.close();
    await worker?.stop();
    await control?.stop();
    await llm.close();
    await roomApi?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const started = Date.now();
  const step = (what: string) => {
    if (process.env.SPEAKNODE_TEST_DEBUG) console.error(`platform: ${what} after ${Date.now() - started} ms`);
  };
  try {
    control = spawnControl(controlEnv);
    await waitHealthy(controlUrl, control);
    step('control healthy');
    worker = await startAgentWorker({
      PORT: String(agentPort),
      CONTROL_URL: controlUrl,
      SPEAKNODE_OIDC_ISSUER: `${controlUrl}/oidc`,
      SPEAKNODE_SERVICE_CLIENT_ID: 'widget-test-agent',
      SPEAKNODE_SERVICE_CLIENT_SECRET: agentSecret,
      AGENT_API_TOKEN: apiToken,
      AGENT_CONFIG_CACHE_MS: '0',
      ...(options.livekit ? livekitEnv : {}),
      ...options.env?.agent,
    });
    step('agent worker up');
    const token = await run(['--import', 'tsx', 'src/cli/token.ts'], controlRoot, controlEnv);
    const admin: Platform['admin'] = async (method, path, body) => {
      const res = await fetch(`${controlUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    step('admin token');
    pages = await startTestPages();
    proxy = await startVisitorProxy(controlUrl);
    const space = await admin('POST', '/api/v1/spaces', { name: 'Widget tests' });
    const agent = await admin('POST', `/api/v1/spaces/${space.body.id}/agents`, {
      name: 'Front desk',
      prompt: 'You are the front desk of a dental clinic.',
      greeting: 'Hello! How can I help?',
      llm: { provider: 'openai-compatible', baseUrl: llm.url, model: 'stand-in' },
      stt: { provider: 'speaknode-models' },
      tts: { provider: 'speaknode-models', voice: 'en_US-stand-in-medium' },
      widget: { allowedOrigins: [pages.origin], appearance: { title: 'Clinic front desk' } },
    });
    if (agent.status !== 201) throw new Error(`creating the agent: ${JSON.stringify(agent.body)}`);
    const stoppable = control;
    return {
      controlUrl,
      apiBaseFor: (ip) => `${proxy!.url}/visitor/${ip}`,
      llm,
      proxy: proxy!,
      pages,
      publishableKey: agent.body.publishableKey,
      spaceId: space.body.id,
      agentId: agent.body.id,
      admin,
      widgetDir,
      stopControl: () => stoppable.stop(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
