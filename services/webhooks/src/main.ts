import { once } from 'node:events';
import { join } from 'node:path';
import { loadConfigOrExit, WebhooksConfig } from '@speaknode/contracts/node';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { openBus } from '@speaknode/runtime/bus';
import { openDatabase } from '@speaknode/runtime/db';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { createWebhooksApp } from './app.ts';
import { EventIntake } from './event-intake.ts';
import { RouteStore } from './inbound/route-store.ts';
import { ControlSpaceAccess } from './inbound/space-access.ts';
import { ReconnectingBus } from './spool/reconnecting-bus.ts';
import { Spool } from './spool/spool.ts';
import { SpoolLockedError } from './spool/spool-lock.ts';
import { SpoolRelay } from './spool/spool-relay.ts';
import { NumberDirectory } from './twilio/number-directory.ts';
import { parseVoximplantAccounts } from './voximplant/voximplant-accounts.ts';

const config = loadConfigOrExit('webhooks', WebhooksConfig);
const log = (message: string) => process.stderr.write(`webhooks: ${message}\n`);

let voximplantAccounts: ReturnType<typeof parseVoximplantAccounts>;
try {
  voximplantAccounts = parseVoximplantAccounts(config.VOXIMPLANT_ACCOUNTS);
} catch (error) {
  process.stderr.write(`webhooks: configuration is not valid:\n  - ${(error as Error).message}\n`);
  process.exit(78);
}

// The spool first: whatever was accepted before a crash goes out as soon as the bus is there.
let spool: Spool;
try {
  spool = await Spool.open({
    directory: join(config.SPEAKNODE_DATA_DIR, 'spool'),
    maxBytes: config.SPOOL_MAX_BYTES,
    log,
  });
} catch (error) {
  if (!(error instanceof SpoolLockedError)) throw error;
  process.stderr.write(`webhooks: cannot start: ${error.message}\n`);
  process.exit(73);
}
const database = await openDatabase({
  url: config.DATABASE_URL,
  embeddedDataDir: join(config.SPEAKNODE_DATA_DIR, 'postgres'),
});
// Provider webhooks need neither PostgreSQL nor the bus: both are set up in the background, retried
// while they are down, so the receiver accepts into its spool from the first second.
const routes = RouteStore.unmigrated(database.pool);
void (async () => {
  for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      await routes.migrate();
      return;
    } catch (error) {
      log(`inbound routes: database not ready (${(error as Error).message}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
})();
const bus = new ReconnectingBus(
  () => openBus({ kafkaBrokers: config.KAFKA_BROKERS, pool: database.pool, clientId: 'speaknode-webhooks', log }),
  { log },
);
const relay = new SpoolRelay(spool, bus, { log });
relay.start();

const serviceCredentials = ServiceTokenSource.fromConfig(config);
if (!serviceCredentials) {
  log(
    'no service credentials (SPEAKNODE_OIDC_ISSUER, SPEAKNODE_SERVICE_CLIENT_ID/SECRET): number lookups go to control unauthenticated',
  );
}
const numbers = new NumberDirectory({
  controlUrl: config.CONTROL_URL,
  ...(serviceCredentials ? { tokens: serviceCredentials } : {}),
});

const app = createWebhooksApp({
  publicBaseUrl: config.PUBLIC_BASE_URL,
  bridgePublicUrl: config.BRIDGE_PUBLIC_URL,
  livekitSipUri: config.LIVEKIT_SIP_URI,
  twilioAuthToken: config.TWILIO_AUTH_TOKEN,
  streamSecret: config.SPEAKNODE_STREAM_SECRET,
  livekitApiKey: config.LIVEKIT_API_KEY,
  livekitApiSecret: config.LIVEKIT_API_SECRET,
  voximplantAccounts,
  spool,
  intake: new EventIntake(spool, { relayState: () => relay.state() }),
  relayState: () => relay.state(),
  busPing: () => bus.ping(),
  numbers,
  routes,
  adminVerifier: config.SPEAKNODE_OIDC_ISSUER
    ? new OidcVerifier({ issuer: config.SPEAKNODE_OIDC_ISSUER, audience: config.SPEAKNODE_OIDC_AUDIENCE })
    : undefined,
  adminRole: config.WEBHOOKS_ADMIN_ROLE,
  spaces: new ControlSpaceAccess({ controlUrl: config.CONTROL_URL }),
  log,
});

const server = app.listen(config.PORT, config.HOST);
await once(server, 'listening');
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
process.stdout.write(`webhooks listening on http://${config.HOST}:${port}\n`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: finishing requests in flight, then stopping`);
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await relay.stop();
  await spool.close();
  await bus.close();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
