/**
 * Registers this process with LiveKit as the worker for agent name `speaknode-agent`. LiveKit
 * dispatches calls to it; the framework runs each in a job process that imports `job-entry.ts`.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AgentServer, ServerOptions } from '@livekit/agents';
import type { AgentWorkerConfig } from '@speaknode/contracts/node';

export const AGENT_NAME = 'speaknode-agent';

export type VoiceWorkerState = 'connecting' | 'registered' | 'failed' | 'stopped';

export interface VoiceWorker {
  readonly state: VoiceWorkerState;
  readonly workerId: string;
  activeJobs(): number;
  /** Stops taking calls and waits (up to the drain timeout) for the running ones to end. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startVoiceWorker(
  config: AgentWorkerConfig & { LIVEKIT_URL: string; LIVEKIT_API_KEY: string; LIVEKIT_API_SECRET: string },
  log: (message: string, error?: unknown) => void,
): Promise<VoiceWorker> {
  // The framework's own health server defaults to 8081 (the webhook receiver's port): give it a free one.
  const healthPort = await freePort('127.0.0.1');
  const server = new AgentServer(
    new ServerOptions({
      agent: fileURLToPath(new URL('./job-entry.ts', import.meta.url)),
      agentName: AGENT_NAME,
      wsURL: config.LIVEKIT_URL,
      apiKey: config.LIVEKIT_API_KEY,
      apiSecret: config.LIVEKIT_API_SECRET,
      host: '127.0.0.1',
      port: healthPort,
      production: true,
      loadThreshold: config.AGENT_MAX_CPU_LOAD_PERCENT / 100,
      logLevel: config.LOG_LEVEL,
      drainTimeout: config.AGENT_DRAIN_TIMEOUT_SECONDS * 1000,
      // A job process gets this long to end its call and exit once told to; an idle process still
      // starting up when SIGTERM arrives would otherwise hold the shutdown for the 60 s default.
      shutdownProcessTimeout: 10_000,
    }),
  );
  let state: VoiceWorkerState = 'connecting';
  server.event.on('worker_registered', () => {
    state = 'registered';
  });
  server.run().catch((error: unknown) => {
    if (state !== 'stopped') {
      state = 'failed';
      log(`the LiveKit worker stopped: ${(error as Error).message}`, error);
    }
  });
  return {
    get state() {
      return state;
    },
    get workerId() {
      return server.id;
    },
    activeJobs: () => server.activeJobs.length,
    drain: async () => {
      try {
        await server.drain();
      } catch (error) {
        log(`draining calls did not finish: ${(error as Error).message}`, error);
      }
    },
    close: async () => {
      state = 'stopped';
      await server.close();
    },
  };
}
