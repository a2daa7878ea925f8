import { createHash } from 'node:crypto';
import { type EventEnvelope, OUTBOUND_EVENT_TYPES, type OutboundEventType } from '@speaknode/contracts';
import { AddressRefusedError, HostAllowList, type Resolver } from '@speaknode/runtime/address-policy';
import { BacklogPoller } from '@speaknode/runtime/backlog-poller';
import { guardedRequest, ResponseTooLargeError } from '@speaknode/runtime/guarded-request';
import type pg from 'pg';
import { assertWebhookScheme, WebhookEndpointRefused } from './endpoint-policy.ts';
import { MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from './retry-schedule.ts';
import { signWebhook } from './signature.ts';

export const DELIVERY_TIMEOUT_MS = 15_000;
const RESPONSE_EXCERPT_BYTES = 1024;
/** An endpoint's answer is read up to this size (its status is what counts; the log keeps an excerpt). */
const MAX_RESPONSE_BYTES = 256 * 1024;
const LOCK_MS = 60_000;

/** What delivery needs to know about a customer's subscription (owned by the control API's webhooks resource). */
export interface DeliveryEndpoint {
  id: string;
  spaceId: string;
  url: string;
  /** `whsec_…` */
  secret: string;
  enabled: boolean;
  eventTypes: readonly string[];
  /** The space's `webhookHostAllowList`: hosts that may be private or plain http. */
  hostAllowList: readonly string[];
}

export interface DeliveryEndpointStore {
  /** Enabled subscriptions of the space that want `eventType` (an empty eventTypes list means all). */
  matching(spaceId: string, eventType: OutboundEventType): Promise<DeliveryEndpoint[]>;
  get(id: string): Promise<DeliveryEndpoint | null>;
  /** Disables the subscription with a reason an admin sees (e.g. the endpoint answered 410 Gone). */
  disable(id: string, reason: string): Promise<void>;
}

export interface WebhookMessageRow {
  id: string;
  space_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface WebhookAttemptRow {
  attempted_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  outcome: 'delivered' | 'retry' | 'failed' | 'disabled';
  next_attempt_at: Date | null;
}

/** The outbound type of a platform event, or null when customers cannot subscribe to it. */
export function outboundTypeOf(event: Pick<EventEnvelope, 'type' | 'data'>): OutboundEventType | null {
  if (event.type === 'call.ended' && (event.data as { status?: string }).status === 'failed') return 'call.failed';
  return (OUTBOUND_EVENT_TYPES as readonly string[]).includes(event.type) ? (event.type as OutboundEventType) : null;
}

/** A stable message id per (subscription, event): a redelivered bus event maps onto the same message. */
function messageIdOf(subscriptionId: string, eventId: string): string {
  const hex = createHash('sha256').update(`${subscriptionId}\n${eventId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface WebhookDeliveryOptions {
  pool: pg.Pool;
  endpoints: DeliveryEndpointStore;
  /** DNS for endpoint hosts (tests); the system resolver by default. */
  resolver?: Resolver;
  now?: () => Date;
  timeoutMs?: number;
  random?: () => number;
  log?: (message: string, detail?: unknown) => void;
}

/**
 * Durable delivery of platform events to customer endpoints, per the Standard Webhooks spec.
 * `enqueue` turns a bus event into one message per matching subscription (idempotent by event id);
 * `deliverDue` sends what is due, logs every attempt and schedules retries from the database, so a
 * restart or a subscriber being down loses nothing.
 */
export class WebhookDelivery {
  private readonly now: () => Date;
  private readonly poller = new BacklogPoller((batchSize) => this.deliverDue(batchSize), {
    batchSize: 20,
    onError: (error) => this.options.log?.('webhook delivery pass failed', error),
  });

  constructor(private readonly options: WebhookDeliveryOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The bus handler: one message per matching subscription. Returns how many were new. */
  async enqueue(event: EventEnvelope): Promise<number> {
    const type = outboundTypeOf(event);
    if (!type || !event.spaceId) return 0;
    const endpoints = await this.options.endpoints.matching(event.spaceId, type);
    let created = 0;
    const payload = { type, timestamp: event.time, data: { ...(event.data as object), spaceId: event.spaceId } };
    for (const endpoint of endpoints) {
      const result = await this.options.pool.query(
        `INSERT INTO webhook_messages (id, space_id, subscription_id, event_id, event_type, payload, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscription_id, event_id) DO NOTHING`,
        [messageIdOf(endpoint.id, event.id), event.spaceId, endpoint.id, event.id, type, payload, this.now()],
      );
      created += result.rowCount ?? 0;
    }
    return created;
  }

  /** Claims the due messages and attempts each once; returns how many were attempted. */
  async deliverDue(limit = 20): Promise<number> {
    const now = this.now();
    const claimed = await this.options.pool.query<WebhookMessageRow>(
      `UPDATE webhook_messages SET locked_until = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
       WHERE id IN (
         SELECT id FROM webhook_messages
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, limit, LOCK_MS],
    );
    await Promise.all(claimed.rows.map((message) => this.attempt(message)));
    return claimed.rows.length;
  }

  private async attempt(message: WebhookMessageRow): Promise<void> {
    const endpoint = await this.options.endpoints.get(message.subscription_id);
    const attemptedAt = this.now();
    const attempt = message.attempts + 1;
    if (!endpoint?.enabled) {
      await this.record(message, attempt, attemptedAt, 0, {
        outcome: 'failed',
        statusCode: null,
        error: endpoint ? 'the subscription is disabled' : 'the subscription was deleted',
        excerpt: null,
        nextAttemptAt: null,
      });
      return;
    }
    const body = JSON.stringify(message.payload);
    const headers = signWebhook(endpoint.secret, `msg_${message.id}`, attemptedAt, body);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let excerpt: string | null = null;
    let retryAfterMs: number | null = null;
    let refused = false;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS);
    try {
      const url = new URL(endpoint.url);
      const allowList = new HostAllowList(endpoint.hostAllowList);
      assertWebhookScheme(url, allowList);
      // The address policy of HTTP tools: resolved, checked, pinned; redirects are not followed.
      const response = await guardedRequest(
        {
          url,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Speaknode-Webhooks/1', ...headers },
          body,
        },
        {
          allowList,
          ...(this.options.resolver ? { resolver: this.options.resolver } : {}),
          maxResponseBytes: MAX_RESPONSE_BYTES,
          signal,
          maxRedirects: 0,
        },
      );
      statusCode = response.status;
      const retryAfter = response.headers['retry-after'];
      retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, attemptedAt.getTime());
      const text = response.body.subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8');
      excerpt = text.length > 0 ? text : null;
    } catch (caught) {
      const failure = caught as Error;
      refused = failure instanceof AddressRefusedError || failure instanceof WebhookEndpointRefused;
      error = signal.aborted
        ? `no answer within ${(this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS) / 1000} s`
        : failure instanceof AddressRefusedError
          ? `refused: ${failure.host} resolves to ${failure.address}, a ${failure.addressClass} address; add the host to the space's webhookHostAllowList to allow it`
          : failure instanceof WebhookEndpointRefused
            ? `refused: ${failure.message}`
            : failure instanceof ResponseTooLargeError
              ? `the endpoint's answer was over ${MAX_RESPONSE_BYTES} bytes`
              : describeFetchError(failure);
    }
    const durationMs = Math.round(performance.now() - started);
    if (refused) {
      // Nothing was sent: retrying a target the policy refuses cannot succeed until an admin acts.
      await this.record(message, attempt, attemptedAt, durationMs, {
        outcome: 'failed',
        statusCode: null,
        error,
        excerpt: null,
        nextAttemptAt: null,
      });
      return;
    }

    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      await this.record(message, attempt, attemptedAt, durationMs, {
        outcome: 'delivered',
        statusCode,
        error: null,
        excerpt,
        nextAttemptAt: null,
      });
      return;
    }
    if (statusCode === 410) {
      const reason = `the endpoint answered 410 Gone at ${attemptedAt.toISOString()}`;
      await this.options.endpoints.disable(endpoint.id, reason);
      await this.record(message, attempt, attemptedAt, durationMs, {
        outcome: 'disabled',
        statusCode,
        error: reason,
        excerpt,
        nextAttemptAt: null,
      });
      await this.options.pool.query(
        `UPDATE webhook_messages SET status = 'failed', last_error = $2, next_attempt_at = NULL, updated_at = now()
         WHERE subscription_id = $1 AND status = 'pending'`,
        [endpoint.id, reason],
      );
      return;
    }
    const scheduled = retryDelayMs(attempt, this.options.random);
    const delay = scheduled === null ? null : Math.max(retryAfterMs ?? 0, scheduled);
    await this.record(message, attempt, attemptedAt, durationMs, {
      outcome: delay === null ? 'failed' : 'retry',
      statusCode,
      error: error ?? `the endpoint answered ${statusCode}`,
      excerpt,
      nextAttemptAt: delay === null ? null : new Date(attemptedAt.getTime() + delay),
    });
  }

  private async record(
    message: WebhookMessageRow,
    attempt: number,
    attemptedAt: Date,
    durationMs: number,
    result: {
      outcome: WebhookAttemptRow['outcome'];
      statusCode: number | null;
      error: string | null;
      excerpt: string | null;
      nextAttemptAt: Date | null;
    },
  ): Promise<void> {
    const status = result.outcome === 'delivered' ? 'delivered' : result.outcome === 'retry' ? 'pending' : 'failed';
    await this.options.pool.query(
      `WITH attempt AS (
         INSERT INTO webhook_attempts (message_id, attempted_at, duration_ms, status_code, error, response_excerpt, outcome, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8))
       UPDATE webhook_messages SET status = $9, attempts = $10, next_attempt_at = $8, locked_until = NULL,
         last_status_code = $4, last_error = $5, updated_at = now(),
         delivered_at = CASE WHEN $9 = 'delivered' THEN $2::timestamptz ELSE delivered_at END
       WHERE id = $1`,
      [
        message.id,
        attemptedAt,
        durationMs,
        result.statusCode,
        result.error,
        result.excerpt,
        result.outcome,
        result.nextAttemptAt,
        status,
        attempt,
      ],
    );
    if (result.outcome !== 'delivered') {
      this.options.log?.(`webhook message ${message.id} attempt ${attempt}: ${result.outcome}`, result.error);
    }
  }

  /** Sends a failed (or delivered) message again from a fresh schedule. False when there is no such message in the space. */
  async replay(spaceId: string, messageId: string): Promise<WebhookMessageRow | null> {
    const result = await this.options.pool.query<WebhookMessageRow>(
      `UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = $3, locked_until = NULL, updated_at = now()
       WHERE id = $1 AND space_id = $2 RETURNING *`,
      [messageId, spaceId, this.now()],
    );
    return result.rows[0] ?? null;
  }

  async listMessages(
    spaceId: string,
    subscriptionId: string,
    options: { status?: string; limit: number; before?: { createdAt: Date; id: string } },
  ): Promise<WebhookMessageRow[]> {
    const params: unknown[] = [spaceId, subscriptionId, options.limit];
    let where = 'space_id = $1 AND subscription_id = $2';
    if (options.status) {
      params.push(options.status);
      where += ` AND status = $${params.length}`;
    }
    if (options.before) {
      params.push(options.before.createdAt, options.before.id);
      where += ` AND (created_at, id) < ($${params.length - 1}, $${params.length})`;
    }
    const result = await this.options.pool.query<WebhookMessageRow>(
      `SELECT * FROM webhook_messages WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3`,
      params,
    );
    return result.rows;
  }

  async getMessage(spaceId: string, messageId: string): Promise<WebhookMessageRow | null> {
    const result = await this.options.pool.query<WebhookMessageRow>(
      'SELECT * FROM webhook_messages WHERE id = $1 AND space_id = $2',
      [messageId, spaceId],
    );
    return result.rows[0] ?? null;
  }

  async listAttempts(messageId: string): Promise<WebhookAttemptRow[]> {
    const result = await this.options.pool.query<WebhookAttemptRow>(
      `SELECT attempted_at, duration_ms, status_code, error, response_excerpt, outcome, next_attempt_at
       FROM webhook_attempts WHERE message_id = $1 ORDER BY id`,
      [messageId],
    );
    return result.rows;
  }

  /** Sends what is due every `intervalMs`, working through a backlog batch after batch. */
  start(intervalMs = 1000): void {
    this.poller.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.poller.stop();
  }
}

/** A network error's code (ECONNREFUSED, ENOTFOUND, …), also where fetch-like errors keep it in their cause. */
export function describeFetchError(error: Error): string {
  const cause = error.cause as (Error & { code?: string; errors?: { code?: string }[] }) | undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return code ? `${error.message} (${code})` : cause?.message ? `${error.message}: ${cause.message}` : error.message;
}

export { MAX_ATTEMPTS };
