import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OidcVerifier } from '@speaknode/runtime/auth';
import type { Bus } from '@speaknode/runtime/bus';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { createWebhooksApp, type WebhooksAppOptions } from '../app.ts';
import { EventIntake } from '../event-intake.ts';
import { RouteStore } from '../inbound/route-store.ts';
import { ControlSpaceAccess } from '../inbound/space-access.ts';
import { Spool } from '../spool/spool.ts';
import { SpoolRelay, type SpoolRelayOptions } from '../spool/spool-relay.ts';
import { NumberDirectory } from '../twilio/number-directory.ts';
import type { VoximplantAccount } from '../voximplant/voximplant-accounts.ts';
import { RecordingBus } from './memory-bus.ts';

export interface TestReceiver {
  url: string;
  spool: Spool;
  relay: SpoolRelay;
  bus: Bus;
  routes: RouteStore;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestReceiverOptions {
  bus?: Bus;
  controlUrl?: string;
  publicBaseUrl?: string;
  twilioAuthToken?: string;
  streamSecret?: string;
  bridgePublicUrl?: string;
  livekitSipUri?: string;
  livekit?: { apiKey: string; apiSecret: string };
  voximplantAccounts?: VoximplantAccount[];
  spoolMaxBytes?: number;
  adminVerifier?: OidcVerifier;
  relayOptions?: SpoolRelayOptions;
  /** Start the relay (default true). */
  relay?: boolean;
  database?: TestDatabase;
  /** A spool folder that outlives the receiver (a restart opens it again); a fresh temporary one otherwise. */
  spoolDirectory?: string;
  adminRole?: string;
  /** Listen on this port (e.g. one a test gave another service first); 0, any free one, by default. */
  port?: number;
}

/** The receiver in-process on 127.0.0.1:0 with a temporary spool, a throwaway database and (by default) a RecordingBus. */
export async function startTestReceiver(options: TestReceiverOptions = {}): Promise<TestReceiver> {
  const directory = options.spoolDirectory ?? (await mkdtemp(join(tmpdir(), 'webhooks-test-')));
  const database = options.database ?? (await createTestDatabase());
  const routes = await RouteStore.open(database.pool, { cacheMs: 0 });
  const spool = await Spool.open({ directory, maxBytes: options.spoolMaxBytes ?? 8 * 1_048_576, log: () => {} });
  const bus = options.bus ?? new RecordingBus();
  const relay = new SpoolRelay(spool, bus, {
    minBackoffMs: 10,
    maxBackoffMs: 100,
    log: () => {},
    ...options.relayOptions,
  });
  if (options.relay !== false) relay.start();
  const appOptions: WebhooksAppOptions = {
    publicBaseUrl: options.publicBaseUrl ?? 'https://hooks.example.com',
    bridgePublicUrl: options.bridgePublicUrl ?? 'wss://media.example.com',
    livekitSipUri: options.livekitSipUri,
    twilioAuthToken: options.twilioAuthToken,
    streamSecret: options.streamSecret,
    livekitApiKey: options.livekit?.apiKey,
    livekitApiSecret: options.livekit?.apiSecret,
    voximplantAccounts: new Map((options.voximplantAccounts ?? []).map((a) => [a.accountId, a])),
    spool,
    intake: new EventIntake(spool, { relayState: () => relay.state() }),
    relayState: () => relay.state(),
    busPing: () => bus.ping(),
    numbers: new NumberDirectory({ controlUrl: options.controlUrl ?? 'http://127.0.0.1:9' }),
    routes,
    adminVerifier: options.adminVerifier,
    ...(options.adminRole ? { adminRole: options.adminRole } : {}),
    spaces: new ControlSpaceAccess({ controlUrl: options.controlUrl ?? 'http://127.0.0.1:9', cacheMs: 0 }),
    log: () => {},
  };
  const server = createWebhooksApp(appOptions).listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spool,
    relay,
    bus,
    routes,
    database,
    async close() {
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      });
      await relay.stop();
      await spool.close();
      if (!options.database) await database.drop();
      if (!options.spoolDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A response body as JSON, typed loosely for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
