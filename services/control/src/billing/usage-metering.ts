import type { CallUsage, EventEnvelope } from '@speaknode/contracts';
import { BacklogPoller } from '@speaknode/runtime/backlog-poller';
import type pg from 'pg';
import type { LagoClient } from './lago-client.ts';

/** Lago billable metric codes, one per measured quantity; an install creates these metrics in Lago. */
export const USAGE_METRICS = {
  call_minutes: (u: CallUsage) => ({ minutes: Math.round((u.callSeconds / 60) * 1000) / 1000 }),
  stt_seconds: (u: CallUsage) => ({ seconds: u.sttSeconds }),
  tts_characters: (u: CallUsage) => ({ characters: u.ttsCharacters }),
  llm_tokens: (u: CallUsage) => ({
    prompt_tokens: u.llmPromptTokens,
    completion_tokens: u.llmCompletionTokens,
    total_tokens: u.llmPromptTokens + u.llmCompletionTokens,
  }),
  tool_calls: (u: CallUsage) => ({ calls: u.toolCalls }),
} as const;

const MAX_BACKOFF_MS = 3600_000;

interface LagoEventRow {
  transaction_id: string;
  space_id: string;
  code: string;
  properties: Record<string, number>;
  occurred_at: Date;
  attempts: number;
}

/**
 * Usage to Lago without loss or double counting: a `usage.updated` event from the outbox becomes one
 * row per metric (transaction id `<callId>:<metric>`, idempotent), and a sender works through the
 * rows with backoff while Lago is down. The subscription is the space (`external_subscription_id`).
 */
export class UsageMetering {
  private readonly poller = new BacklogPoller((batchSize) => this.sendDue(batchSize), {
    batchSize: 50,
    onError: (error) => this.options.log?.('Lago send pass failed', error),
  });

  constructor(
    private readonly options: {
      pool: pg.Pool;
      lago: LagoClient;
      now?: () => Date;
      log?: (message: string, detail?: unknown) => void;
    },
  ) {}

  /** The Lago client usage goes out through (the console also reads plans and invoices with it). */
  get lago(): LagoClient {
    return this.options.lago;
  }

  private now() {
    return (this.options.now ?? (() => new Date()))();
  }

  /** The bus handler for `usage.updated`; returns how many metric events were new. */
  async enqueue(event: EventEnvelope): Promise<number> {
    if (event.type !== 'usage.updated' || !event.spaceId) return 0;
    const { callId, usage } = event.data as { callId: string; usage: CallUsage };
    let created = 0;
    for (const [code, properties] of Object.entries(USAGE_METRICS)) {
      const result = await this.options.pool.query(
        `INSERT INTO lago_events (transaction_id, call_id, space_id, code, properties, occurred_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (transaction_id) DO NOTHING`,
        [`${callId}:${code}`, callId, event.spaceId, code, properties(usage), event.time, this.now()],
      );
      created += result.rowCount ?? 0;
    }
    return created;
  }

  /** Sends what is due; returns how many were sent (accepted or already known to Lago). */
  async sendDue(limit = 50): Promise<number> {
    const now = this.now();
    const claimed = await this.options.pool.query<LagoEventRow>(
      `UPDATE lago_events SET locked_until = $1::timestamptz + interval '30 seconds'
       WHERE transaction_id IN (
         SELECT transaction_id FROM lago_events
         WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING transaction_id, space_id, code, properties, occurred_at, attempts`,
      [now, limit],
    );
    let sent = 0;
    for (const row of claimed.rows) {
      const result = await this.options.lago.send({
        transaction_id: row.transaction_id,
        external_subscription_id: row.space_id,
        code: row.code,
        timestamp: Math.floor(new Date(row.occurred_at).getTime() / 1000),
        properties: row.properties,
      });
      if (result.outcome === 'retry') {
        const delay = Math.min(5_000 * 2 ** row.attempts, MAX_BACKOFF_MS);
        await this.options.pool.query(
          `UPDATE lago_events SET attempts = attempts + 1, last_error = $2, locked_until = NULL,
             next_attempt_at = $3 WHERE transaction_id = $1`,
          [row.transaction_id, result.error, new Date(now.getTime() + delay)],
        );
        this.options.log?.(`Lago event ${row.transaction_id} not sent`, result.error);
        continue;
      }
      await this.options.pool.query(
        `UPDATE lago_events SET status = 'sent', attempts = attempts + 1, sent_at = $2, locked_until = NULL,
           last_error = NULL WHERE transaction_id = $1`,
        [row.transaction_id, now],
      );
      sent += 1;
    }
    return sent;
  }

  /** Sends what is due every `intervalMs`, working through a backlog batch after batch. */
  start(intervalMs = 2000): void {
    this.poller.start(intervalMs);
  }

  async stop(): Promise<void> {
    await this.poller.stop();
  }
}
