import type { ControlConfig } from '@speaknode/contracts/node';
import type { OidcVerifier } from '@speaknode/runtime/auth';
import type { Bus } from '@speaknode/runtime/bus';
import type { KeyValueStore } from '@speaknode/runtime/kv';
import type pg from 'pg';
import type { Analytics } from './analytics/analytics.ts';
import type { UsageMetering } from './billing/usage-metering.ts';
import type { CallInserter } from './calls/call-inserter.ts';
import type { CallLifecycle } from './calls/call-lifecycle.ts';
import type { CredentialCipher } from './crypto/credential-cipher.ts';
import type { LivekitGateway, RecordingTarget } from './livekit/livekit-gateway.ts';
import type { LivekitCredentials } from './livekit/participant-token.ts';
import type { WebhookDelivery } from './outbound-webhooks/webhook-delivery.ts';
import type { OutboxRelay } from './outbox/relay.ts';
import type { ObjectStore } from './recordings/object-store.ts';
import type { TextSessions } from './sessions/text-sessions.ts';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Tunables of the conversation parts: limits and how often the background work runs. */
export interface ConversationSettings {
  /** Widget session creation per client IP. */
  perIp: RateLimit;
  /** Widget session creation per agent (all visitors together). */
  perAgent: RateLimit;
  deliveryPollMs: number;
  meteringPollMs: number;
  reconcileMs: number;
  sipSyncMs: number;
  /** How often the campaign dialler runs; 0: not at all (tests that drive it on a fake clock). */
  campaignDialMs: number;
}

export const DEFAULT_CONVERSATION_SETTINGS: ConversationSettings = {
  perIp: { limit: 10, windowMs: 60_000 },
  perAgent: { limit: 300, windowMs: 60_000 },
  deliveryPollMs: 1_000,
  meteringPollMs: 2_000,
  reconcileMs: 15_000,
  sipSyncMs: 60_000,
  campaignDialMs: 1_000,
};

/** LiveKit as control uses it: the server API, the key tokens are signed with, the URL clients join. */
export interface LivekitAccess {
  gateway: LivekitGateway;
  credentials: LivekitCredentials;
  clientUrl: string;
}

/**
 * Everything a route module needs, built once at start (`startControl`, explicitly, part by part)
 * or by a test. Route modules receive it and never reach for globals or locators, so tests inject
 * real parts with their own config.
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
  settings: ConversationSettings;
  /** Null when LiveKit is not configured: voice sessions answer 503, phone calls are recorded without a room. */
  livekit: LivekitAccess | null;
  /** The one way call records are created. */
  callInserter: CallInserter;
  /** Telephony and LiveKit events → the call's state (bus consumer, reconcile loop). */
  callLifecycle: CallLifecycle;
  /** Recordings: MinIO/S3 in the stack, a local directory in embedded mode. */
  objectStore: ObjectStore;
  recordingTarget: RecordingTarget | null;
  /** Outbound webhook delivery and its log. */
  delivery: WebhookDelivery;
  /** Usage to Lago; null when Lago is not configured. */
  metering: UsageMetering | null;
  /** Text conversations, run by the agent worker's text-session API. */
  textSessions: TextSessions;
  /** Span ingest, the analytics store (PostgreSQL or ClickHouse) and what feeds it. */
  analytics: Analytics;
}

export const consoleLogger: Logger = {
  info: (message, fields) => console.info(JSON.stringify({ level: 'info', message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
