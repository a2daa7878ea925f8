import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlConfig } from '@speaknode/contracts/node';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { type Bus, openBus } from '@speaknode/runtime/bus';
import { openDatabase, runMigrations } from '@speaknode/runtime/db';
import { type KeyValueStore, openKeyValueStore } from '@speaknode/runtime/kv';
import type pg from 'pg';
import { Analytics } from './analytics/analytics.ts';
import { type ControlAppOptions, createControlApp } from './app.ts';
import { BackgroundWork } from './background.ts';
import { LagoClient } from './billing/lago-client.ts';
import { UsageMetering } from './billing/usage-metering.ts';
import { CallInserter } from './calls/call-inserter.ts';
import { CallLifecycle } from './calls/call-lifecycle.ts';
import {
  type ControlContext,
  type ConversationSettings,
  consoleLogger,
  DEFAULT_CONVERSATION_SETTINGS,
  type LivekitAccess,
  type Logger,
} from './context.ts';
import { CredentialCipher } from './crypto/credential-cipher.ts';
import {
  controlBaseUrl,
  createControlEmbeddedIssuer,
  embeddedOidcStatePath,
  loadOrCreateConsoleUsers,
  loadOrCreateEmbeddedOidcState,
} from './embedded-oidc.ts';
import { LivekitGateway, type RecordingTarget } from './livekit/livekit-gateway.ts';
import { SubscriptionEndpoints } from './outbound-webhooks/subscription-endpoints.ts';
import { WebhookDelivery } from './outbound-webhooks/webhook-delivery.ts';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/relay.ts';
import { LocalDirectoryObjectStore, type ObjectStore, S3ObjectStore } from './recordings/object-store.ts';
import { AgentWorkerClient } from './sessions/agent-worker-client.ts';
import { TextSessions } from './sessions/text-sessions.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies control's migrations (0001–0099 core, 0100+ conversations), scope `control`. */
export async function migrateControl(pool: pg.Pool) {
  return runMigrations(pool, MIGRATIONS_DIR, 'control');
}

export interface StartControlOptions extends Pick<ControlAppOptions, 'extraModules' | 'modules'> {
  log?: Logger;
  /** Use this pool instead of opening one from DATABASE_URL (tests). The caller closes it. */
  database?: { pool: pg.Pool; embedded: boolean };
  store?: KeyValueStore;
  bus?: Bus;
  relay?: OutboxRelayOptions;
  /** Limits and poll intervals of the conversation parts (tests shorten them). */
  settings?: Partial<ConversationSettings>;
}

export interface RunningControl {
  /** Where control listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The OIDC issuer control trusts (the embedded one at `<url>/oidc` when none is configured). */
  issuer: string;
  embeddedIssuer: boolean;
  server: Server;
  ctx: ControlContext;
  relay: OutboxRelay;
  background: BackgroundWork;
  close(): Promise<void>;
}

/** The credentials key: configured, or for trials made once and kept in a 0600 file in the data dir. */
async function credentialsKey(config: ControlConfig, log: Logger): Promise<string> {
  if (config.SPEAKNODE_CREDENTIALS_KEY) return config.SPEAKNODE_CREDENTIALS_KEY;
  const path = join(config.SPEAKNODE_DATA_DIR, 'credentials.key');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (config.DATABASE_URL) {
    log.warn('SPEAKNODE_CREDENTIALS_KEY is not set; generated one in the data directory. Set it in production.', {
      path,
    });
  }
  const key = CredentialCipher.generateKey();
  await mkdir(config.SPEAKNODE_DATA_DIR, { recursive: true });
  await writeFile(path, key, { mode: 0o600 });
  await chmod(path, 0o600);
  return key;
}

/** LiveKit when all three of its variables are set; clients join its URL as ws(s). */
function livekitAccessOf(config: ControlConfig): LivekitAccess | null {
  if (!config.LIVEKIT_URL || !config.LIVEKIT_API_KEY || !config.LIVEKIT_API_SECRET) return null;
  const credentials = { apiKey: config.LIVEKIT_API_KEY, apiSecret: config.LIVEKIT_API_SECRET };
  return {
    gateway: new LivekitGateway(config.LIVEKIT_URL, credentials),
    credentials,
    clientUrl: config.LIVEKIT_URL.replace(/^http(s?):\/\//, 'ws$1://'),
  };
}

/** Recordings in S3/MinIO when configured; otherwise a local directory (egress must share it: single-box installs). */
function recordingsOf(config: ControlConfig): { objectStore: ObjectStore; recordingTarget: RecordingTarget } {
  if (config.S3_ENDPOINT && config.S3_ACCESS_KEY && config.S3_SECRET_KEY) {
    const s3 = {
      endpoint: config.S3_ENDPOINT,
      bucket: config.S3_BUCKET,
      accessKey: config.S3_ACCESS_KEY,
      secretKey: config.S3_SECRET_KEY,
    };
    return { objectStore: new S3ObjectStore(s3), recordingTarget: { kind: 's3', ...s3 } };
  }
  const directory = join(config.SPEAKNODE_DATA_DIR, 'recordings');
  return {
    objectStore: new LocalDirectoryObjectStore({ directory, publicBaseUrl: config.PUBLIC_BASE_URL ?? '' }),
    recordingTarget: { kind: 'file', directory },
  };
}

/**
 * Starts control: database (migrated), listening socket, OIDC issuer (configured or embedded),
 * key-value store, bus and outbox relay, then the app. `close()` stops all of it in reverse.
 */
export async function startControl(config: ControlConfig, options: StartControlOptions = {}): Promise<RunningControl> {
  const log = options.log ?? consoleLogger;
  const closers: (() => Promise<void>)[] = [];
  let closeServer: (() => Promise<void>) | undefined;
  const close = async () => {
    // Stop taking requests first, then the rest in reverse order of start.
    await closeServer?.();
    for (const closer of closers.reverse()) {
      await closer().catch((error) => log.warn('close failed', { error: String(error) }));
    }
  };
  try {
    let pool: pg.Pool;
    let embeddedDatabase: boolean;
    if (options.database) {
      ({ pool, embedded: embeddedDatabase } = options.database);
    } else {
      const database = await openDatabase({
        url: config.DATABASE_URL,
        embeddedDataDir: join(config.SPEAKNODE_DATA_DIR, 'pgdata'),
      });
      closers.push(() => database.close());
      pool = database.pool;
      embeddedDatabase = database.embedded;
    }
    await migrateControl(pool);
    const cipher = new CredentialCipher(await credentialsKey(config, log));

    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    closeServer = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    const url = controlBaseUrl(config, (server.address() as AddressInfo).port);

    let issuer = config.SPEAKNODE_OIDC_ISSUER;
    let oidcHandler: ControlAppOptions['oidcHandler'];
    if (!issuer) {
      issuer = `${url}/oidc`;
      const state = await loadOrCreateEmbeddedOidcState(embeddedOidcStatePath(config));
      const consoleUsers = await loadOrCreateConsoleUsers(config.SPEAKNODE_DATA_DIR);
      if (consoleUsers.createdAdminPassword) {
        // Shown once, on the start that made it (also kept 0600 in the data directory).
        log.info(
          `console sign-in for this trial: user "admin", password "${consoleUsers.createdAdminPassword}" (${url}/console/)`,
        );
      }
      oidcHandler = createControlEmbeddedIssuer(config, issuer, state, consoleUsers.users).handler;
    }
    const verifier = new OidcVerifier({ issuer, audience: config.SPEAKNODE_OIDC_AUDIENCE });

    const store = options.store ?? (await openKeyValueStore({ url: config.REDIS_URL }));
    if (!options.store) closers.push(() => store.close());
    const bus =
      options.bus ??
      (await openBus({
        kafkaBrokers: config.KAFKA_BROKERS,
        pool,
        clientId: 'speaknode-control',
        log: (message, fields) => log.warn(message, fields),
      }));
    if (!options.bus) closers.push(() => bus.close());
    const relay = new OutboxRelay(pool, bus, log, options.relay);
    relay.start();
    closers.push(() => relay.stop());

    const warn = (message: string, detail?: unknown) => log.warn(message, { detail: String(detail) });
    const livekit = livekitAccessOf(config);
    const { objectStore, recordingTarget } = recordingsOf(config);
    const callInserter = new CallInserter(pool);
    const callLifecycle = new CallLifecycle({
      pool,
      inserter: callInserter,
      livekit: livekit?.gateway ?? null,
      recordingTarget,
      nudge: () => relay.nudge(),
      log,
    });
    const delivery = new WebhookDelivery({
      pool,
      endpoints: new SubscriptionEndpoints({ pool, cipher, log }),
      log: warn,
    });
    const metering =
      config.LAGO_API_URL && config.LAGO_API_KEY
        ? new UsageMetering({
            pool,
            lago: new LagoClient({ apiUrl: config.LAGO_API_URL, apiKey: config.LAGO_API_KEY }),
            log: warn,
          })
        : null;
    const textSessions = new TextSessions(
      { pool, callInserter, relay, log },
      config.AGENT_API_TOKEN
        ? new AgentWorkerClient({ baseUrl: config.AGENT_URL, apiToken: config.AGENT_API_TOKEN })
        : null,
    );
    const ctx: ControlContext = {
      config,
      pool,
      embeddedDatabase,
      verifier,
      cipher,
      store,
      bus,
      relay,
      log,
      settings: { ...DEFAULT_CONVERSATION_SETTINGS, ...options.settings },
      livekit,
      callInserter,
      callLifecycle,
      objectStore,
      recordingTarget,
      delivery,
      metering,
      textSessions,
      analytics: new Analytics({ config, pool, bus, log }),
    };
    const background = new BackgroundWork(ctx);
    await background.start();
    closers.push(() => background.stop());
    // With ClickHouse: its schema and what feeds it (ended calls, the collector's spans from Kafka).
    await ctx.analytics.start();
    closers.push(() => ctx.analytics.stop());
    const app = createControlApp(ctx, {
      ...(oidcHandler ? { oidcHandler } : {}),
      ...(options.modules ? { modules: options.modules } : {}),
      ...(options.extraModules ? { extraModules: options.extraModules } : {}),
    });
    server.on('request', app);
    return { url, issuer, embeddedIssuer: oidcHandler !== undefined, server, ctx, relay, background, close };
  } catch (error) {
    await close();
    throw error;
  }
}
