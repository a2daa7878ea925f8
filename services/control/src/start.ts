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
import { type ControlContext, consoleLogger, type Logger } from './context.ts';
import { Conversations } from './conversations/conversations.ts';
import { CredentialCipher } from './crypto/credential-cipher.ts';
import {
  controlBaseUrl,
  createControlEmbeddedIssuer,
  embeddedOidcStatePath,
  loadOrCreateEmbeddedOidcState,
} from './embedded-oidc.ts';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/relay.ts';

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
      oidcHandler = createControlEmbeddedIssuer(config, issuer, state).handler;
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

    const ctx: ControlContext = { config, pool, embeddedDatabase, verifier, cipher, store, bus, relay, log };
    // Conversations (issue 4): bus consumers (telephony, LiveKit, outbound webhooks, billing) and pollers.
    const conversations = Conversations.of(ctx);
    await conversations.start();
    closers.push(() => conversations.stop());
    // Analytics (issue 20): with ClickHouse, its schema and the consumers that feed it.
    const analytics = Analytics.of(ctx);
    await analytics.start();
    closers.push(() => analytics.stop());
    const app = createControlApp(ctx, {
      ...(oidcHandler ? { oidcHandler } : {}),
      ...(options.modules ? { modules: options.modules } : {}),
      ...(options.extraModules ? { extraModules: options.extraModules } : {}),
    });
    server.on('request', app);
    return { url, issuer, embeddedIssuer: oidcHandler !== undefined, server, ctx, relay, close };
  } catch (error) {
    await close();
    throw error;
  }
}
