/**
 * The agent worker: the text-session HTTP API (always) and the LiveKit voice worker (when
 * LIVEKIT_URL is set). SIGTERM drains: no new calls or text sessions, running calls finish (up to
 * AGENT_DRAIN_TIMEOUT_SECONDS), then the process exits.
 */
import { AgentWorkerConfig, loadConfigOrExit } from '@speaknode/contracts/node';
import { ensureFrameworkLogger } from './framework.ts';
import { createAgentApp, listen } from './http/http-server.ts';
import { createControlClient, telemetryOptionsOf } from './setup.ts';
import { setupTelemetry } from './telemetry/telemetry.ts';
import { TextSessionManager } from './text-sessions/text-session-manager.ts';
import { startVoiceWorker, type VoiceWorker } from './voice/voice-worker.ts';

const config = loadConfigOrExit('agent', AgentWorkerConfig);
ensureFrameworkLogger(config.LOG_LEVEL);
const telemetry = setupTelemetry(telemetryOptionsOf(config));
const control = createControlClient(config);
const log = (message: string, extra?: unknown) => console.warn(`[agent] ${message}`, extra ?? '');

const textSessions = new TextSessionManager({
  control,
  idleMs: config.AGENT_TEXT_SESSION_IDLE_SECONDS * 1000,
  maxSessions: config.AGENT_MAX_TEXT_SESSIONS,
  log: (message, extra) => log(message, extra),
});

let voiceWorker: VoiceWorker | undefined;
if (config.LIVEKIT_URL && config.LIVEKIT_API_KEY && config.LIVEKIT_API_SECRET) {
  voiceWorker = await startVoiceWorker(
    {
      ...config,
      LIVEKIT_URL: config.LIVEKIT_URL,
      LIVEKIT_API_KEY: config.LIVEKIT_API_KEY,
      LIVEKIT_API_SECRET: config.LIVEKIT_API_SECRET,
    },
    log,
  );
}

let draining = false;
const app = createAgentApp({
  textSessions,
  apiToken: config.AGENT_API_TOKEN,
  readiness: () => {
    const voiceState = voiceWorker?.state ?? 'off';
    return {
      ready: !draining && voiceState !== 'failed',
      checks: {
        textSessions: draining ? 'draining' : 'accepting',
        voice: voiceState,
        telemetry: telemetry.exportsTo.join(', ') || 'off',
      },
    };
  },
  log: (message, error) => log(message, error),
});
const { server, url } = await listen(app, config.PORT, config.HOST);
console.log(`agent worker listening on ${url} (text sessions: POST ${url}/v1/text-sessions)`);
console.log(
  voiceWorker
    ? `voice: registering with LiveKit at ${config.LIVEKIT_URL} as agent "speaknode-agent"`
    : 'voice: off (LIVEKIT_URL is not set); text sessions only',
);
if (!config.AGENT_API_TOKEN) {
  console.log('text-session API: closed (AGENT_API_TOKEN is not set; control calls the API with that token)');
}
if (telemetry.exportsTo.length > 0) console.log(`telemetry: exporting spans to ${telemetry.exportsTo.join(' and ')}`);

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  console.log(`${signal}: draining (no new calls or text sessions; running calls may finish)`);
  await Promise.allSettled([textSessions.drain(), voiceWorker?.drain()]);
  await voiceWorker?.close().catch(() => {});
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await telemetry.shutdown().catch(() => {});
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
