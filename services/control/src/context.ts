import type { ControlConfig } from '@speaknode/contracts/node';
import type { OidcVerifier } from '@speaknode/runtime/auth';
import type { Bus } from '@speaknode/runtime/bus';
import type { KeyValueStore } from '@speaknode/runtime/kv';
import type pg from 'pg';
import type { CredentialCipher } from './crypto/credential-cipher.ts';
import type { OutboxRelay } from './outbox/relay.ts';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Everything a route module needs, built once at start (`startControl`) or by a test. Route
 * modules receive it and never reach for globals, so tests inject real parts with their own config.
 */
export interface ControlContext {
  config: ControlConfig;
  pool: pg.Pool;
  /** True when `pool` is on embedded PGlite: never hold a transaction open while awaiting another connection. */
  embeddedDatabase: boolean;
  verifier: OidcVerifier;
  cipher: CredentialCipher;
  store: KeyValueStore;
  bus: Bus;
  /** Wakes the outbox relay after a commit, so events leave without waiting for the next poll. */
  relay: Pick<OutboxRelay, 'nudge'>;
  log: Logger;
}

export const consoleLogger: Logger = {
  info: (message, fields) => console.info(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
