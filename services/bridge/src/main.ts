import { BridgeConfig, loadConfigOrExit } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { ControlClient } from './control-client.ts';
import type { LogEntry } from './leg.ts';
import { LiveKitRoomConnector } from './room/livekit-room.ts';
import { createBridgeServer } from './server.ts';

const config = loadConfigOrExit('bridge', BridgeConfig);

const tokens = ServiceTokenSource.fromConfig(config);
if (!tokens) {
  process.stderr.write(
    'bridge: SPEAKNODE_OIDC_ISSUER, SPEAKNODE_SERVICE_CLIENT_ID and SPEAKNODE_SERVICE_CLIENT_SECRET are not all set; calling control without a service token (trials only)\n',
  );
}

if (!config.SPEAKNODE_STREAM_SECRET) {
  process.stderr.write(
    'bridge: SPEAKNODE_STREAM_SECRET is not set; phone streams are accepted without a stream token (trials only)\n',
  );
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const minimum = LEVELS.indexOf(config.LOG_LEVEL);
const log = (entry: LogEntry) => {
  if (LEVELS.indexOf(entry.level) >= minimum) {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'bridge', ...entry })}\n`);
  }
};

const bridge = createBridgeServer({
  log,
  control: new ControlClient({ baseUrl: config.CONTROL_URL, tokens }),
  rooms: new LiveKitRoomConnector(),
  maxLegs: config.BRIDGE_MAX_LEGS,
  settings: { maxQueuedMs: config.BRIDGE_MAX_QUEUED_MS, agentJoinTimeoutMs: config.BRIDGE_AGENT_JOIN_TIMEOUT_MS },
  streamSecret: config.SPEAKNODE_STREAM_SECRET,
});

const port = await bridge.listen(config.PORT, config.HOST);
process.stdout.write(`bridge listening on http://${config.HOST}:${port} (WebSocket /twilio and /voximplant)\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void bridge.close().then(() => process.exit(0));
  });
}
