/**
 * The worker as `npm start` runs it: a real process. Without LIVEKIT_URL it serves text sessions
 * and says voice is off; with LIVEKIT_URL (a real LiveKit server) it registers as
 * `speaknode-agent` and a dispatch reaches control's API with the call's outcome.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerStatus } from '@livekit/protocol';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeControl, startFakeControl } from './testing/control-server.ts';
import { startFakeLivekit } from './testing/fake-livekit.ts';
import { AGENT_ID, CALL_ID, runtimeConfig, SPACE_ID } from './testing/fixtures.ts';
import {
  lastUserText,
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from './testing/openai-compatible-server.ts';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const API_TOKEN = 'main-test-token-0123456789';

interface Worker {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<number | null>;
}

async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/[^\s]+)/.exec(output)?.[1];
    if (child.exitCode !== null) throw new Error(`the worker exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output, exit };
}

let llmServer: OpenAICompatibleServer;
let control: FakeControl;

beforeAll(async () => {
  llmServer = await startOpenAICompatibleServer((req) => ({ text: `Echo: ${lastUserText(req)}` }));
  control = await startFakeControl();
});

afterAll(async () => {
  await llmServer.close();
  await control.close();
});

describe('the worker process without LiveKit', () => {
  it('serves text sessions, says voice is off, and drains on SIGTERM', async () => {
    control.configs.set(AGENT_ID, runtimeConfig(llmServer.url));
    const worker = await startWorker({
      CONTROL_URL: control.url,
      SPEAKNODE_OIDC_ISSUER: control.issuer,
      SPEAKNODE_SERVICE_CLIENT_ID: control.clientId,
      SPEAKNODE_SERVICE_CLIENT_SECRET: control.clientSecret,
      AGENT_API_TOKEN: API_TOKEN,
    });
    try {
      expect(worker.output()).toContain('voice: off (LIVEKIT_URL is not set)');
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` };
      const created = await fetch(`${worker.url}/v1/text-sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ agentId: AGENT_ID, spaceId: SPACE_ID, callId: CALL_ID }),
      });
      expect(created.status).toBe(201);
      const reply = await fetch(`${worker.url}/v1/text-sessions/${CALL_ID}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ text: 'hello there' }),
      });
      expect(await reply.json()).toMatchObject({ reply: 'Echo: hello there', ended: false });

      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
      expect(worker.output()).toContain('SIGTERM: draining');
      // Draining ended the open text session and reported it.
      expect(control.updates.filter((u) => u.callId === CALL_ID).map((u) => u.update.status)).toEqual([
        'in_progress',
        'ended',
      ]);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('refuses to start with a broken configuration, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: packageRoot,
      env: { PATH: process.env.PATH ?? '', PORT: '0', LIVEKIT_URL: 'ws://127.0.0.1:7880' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('LIVEKIT_API_KEY: is required when LIVEKIT_URL is set');
  });
});

describe('the worker against the LiveKit agent protocol (local protocol server, no media)', () => {
  it('registers as speaknode-agent, runs a dispatched job in a job process, and drains on SIGTERM', async () => {
    const livekit = await startFakeLivekit();
    const brokenAgent = '14141414-1414-4414-8414-141414141414';
    const callId = '15151515-1515-4515-8515-151515151515';
    control.configs.set(brokenAgent, { ...runtimeConfig(llmServer.url), agentId: brokenAgent, credentials: {} });
    const worker = await startWorker({
      CONTROL_URL: control.url,
      SPEAKNODE_OIDC_ISSUER: control.issuer,
      SPEAKNODE_SERVICE_CLIENT_ID: control.clientId,
      SPEAKNODE_SERVICE_CLIENT_SECRET: control.clientSecret,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      LOG_LEVEL: 'warn',
    });
    try {
      expect(worker.output()).toContain(`voice: registering with LiveKit at ${livekit.url}`);
      const deadline = Date.now() + 60_000;
      const until = async (what: string, check: () => boolean | Promise<boolean>) => {
        while (!(await check())) {
          if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${worker.output()}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      await until('registration', async () => {
        const ready = (await (await fetch(`${worker.url}/readyz`)).json()) as { checks: { voice: string } };
        return ready.checks.voice === 'registered';
      });
      expect(livekit.registrations.map((r) => r.agentName)).toEqual(['speaknode-agent']);

      await livekit.dispatch({
        id: 'AJ_contract',
        roomName: 'call-room-1',
        agentName: 'speaknode-agent',
        metadata: JSON.stringify({ callId, agentId: brokenAgent, spaceId: SPACE_ID, channel: 'phone' }),
      });
      await until('the failure report', () => control.updates.some((u) => u.callId === callId));
      const update = control.updates.find((u) => u.callId === callId)?.update;
      expect(update).toMatchObject({ status: 'failed', endReason: 'provider_error' });
      expect(update?.failureReason).toContain('credential');
      await until('the room deletion', () => livekit.deletedRooms.includes('call-room-1'));

      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
      const statuses = livekit.workerMessages.flatMap((m) =>
        m.message.case === 'updateWorker' ? [m.message.value.status] : [],
      );
      expect(statuses).toContain(WorkerStatus.WS_FULL); // draining: LiveKit stops sending calls
    } finally {
      worker.child.kill('SIGKILL');
      await livekit.close();
    }
  }, 90_000);
});

const livekitUrl = process.env.LIVEKIT_URL;
const livekitKey = process.env.LIVEKIT_API_KEY;
const livekitSecret = process.env.LIVEKIT_API_SECRET;
const haveLivekit = Boolean(livekitUrl && livekitKey && livekitSecret);
if (!haveLivekit) {
  console.info(
    'skipping the LiveKit contract test: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET to run it against a real LiveKit server',
  );
}

(haveLivekit ? describe : describe.skip)('the worker against a real LiveKit server', () => {
  it('registers as speaknode-agent and reports a dispatched call whose credential is missing', async () => {
    const brokenAgent = '12121212-1212-4212-8212-121212121212';
    const callId = '13131313-1313-4313-8313-131313131313';
    const config = runtimeConfig(llmServer.url);
    control.configs.set(brokenAgent, { ...config, agentId: brokenAgent, credentials: {} });
    const worker = await startWorker({
      CONTROL_URL: control.url,
      SPEAKNODE_OIDC_ISSUER: control.issuer,
      SPEAKNODE_SERVICE_CLIENT_ID: control.clientId,
      SPEAKNODE_SERVICE_CLIENT_SECRET: control.clientSecret,
      LIVEKIT_URL: livekitUrl as string,
      LIVEKIT_API_KEY: livekitKey as string,
      LIVEKIT_API_SECRET: livekitSecret as string,
    });
    try {
      const httpUrl = (livekitUrl as string).replace(/^ws/, 'http');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = (await (await fetch(`${worker.url}/readyz`)).json()) as { checks: { voice: string } };
        if (ready.checks.voice === 'registered') break;
        if (Date.now() > deadline) throw new Error(`the worker did not register:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const roomName = `speaknode-contract-${Date.now()}`;
      await new RoomServiceClient(httpUrl, livekitKey, livekitSecret).createRoom({ name: roomName, emptyTimeout: 60 });
      await new AgentDispatchClient(httpUrl, livekitKey, livekitSecret).createDispatch(roomName, 'speaknode-agent', {
        metadata: JSON.stringify({ callId, agentId: brokenAgent, spaceId: SPACE_ID, channel: 'test' }),
      });
      for (;;) {
        const failed = control.updates.find((u) => u.callId === callId && u.update.status === 'failed');
        if (failed) {
          expect(failed.update.failureReason).toContain('credential');
          break;
        }
        if (Date.now() > deadline + 30_000) throw new Error(`no failure was reported:\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exit;
    }
  }, 90_000);
});
