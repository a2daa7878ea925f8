import { createHash } from 'node:crypto';
import { HttpProblem } from '@speaknode/runtime/problem';
import type pg from 'pg';

const KEY = /^[\x21-\x7e]{1,200}$/;

export type KeyClaim = { kind: 'new' } | { kind: 'done'; callId: string };

/**
 * `Idempotency-Key` for placing calls: the first request with a key claims it; a repeat with the
 * same body gets the call the first one placed (never a second dial); the same key with another
 * body is a 422; a repeat while the first is still dialling is a 409.
 */
export class OutboundCallKeys {
  constructor(private readonly pool: pg.Pool) {}

  static parse(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    if (!KEY.test(header)) {
      throw HttpProblem.badRequest('the Idempotency-Key header must be 1–200 visible ASCII characters');
    }
    return header;
  }

  async claim(spaceId: string, key: string, body: unknown): Promise<KeyClaim> {
    const hash = hashOf(body);
    const inserted = await this.pool.query(
      `INSERT INTO outbound_call_keys (space_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (space_id, key) DO NOTHING`,
      [spaceId, key, hash],
    );
    if (inserted.rowCount) return { kind: 'new' };
    const { rows } = await this.pool.query<{ request_hash: string; call_id: string | null }>(
      'SELECT request_hash, call_id FROM outbound_call_keys WHERE space_id = $1 AND key = $2',
      [spaceId, key],
    );
    const row = rows[0];
    if (!row) return this.claim(spaceId, key, body);
    if (row.request_hash !== hash) {
      throw new HttpProblem(422, 'Unprocessable Content', 'this Idempotency-Key was used for a different request');
    }
    if (!row.call_id) throw HttpProblem.conflict('a request with this Idempotency-Key is still being processed');
    return { kind: 'done', callId: row.call_id };
  }

  /**
   * Claims many keys in one statement (the dialler's tick): the `space:key` of each one that was
   * free, now claimed. The others go through `claim` one by one (a repeat, a takeover).
   */
  async claimMany(keys: Array<{ spaceId: string; key: string; body: unknown }>): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.pool.query<{ space_id: string; key: string }>(
      `INSERT INTO outbound_call_keys (space_id, key, request_hash)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
       ON CONFLICT (space_id, key) DO NOTHING RETURNING space_id, key`,
      [keys.map((k) => k.spaceId), keys.map((k) => k.key), keys.map((k) => hashOf(k.body))],
    );
    return new Set(rows.map((r) => `${r.space_id}:${r.key}`));
  }

  /** `settle` for many keys in one statement. */
  async settleMany(keys: Array<{ spaceId: string; key: string; callId: string }>): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query(
      `UPDATE outbound_call_keys k SET call_id = u.call_id
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS u (space_id, key, call_id)
       WHERE k.space_id = u.space_id AND k.key = u.key`,
      [keys.map((k) => k.spaceId), keys.map((k) => k.key), keys.map((k) => k.callId)],
    );
  }

  /** The key's request placed `callId` (or recorded it as failed): repeats return it. */
  async settle(spaceId: string, key: string, callId: string): Promise<void> {
    await this.pool.query('UPDATE outbound_call_keys SET call_id = $3 WHERE space_id = $1 AND key = $2', [
      spaceId,
      key,
      callId,
    ]);
  }

  /** The request was refused before any call existed: the key is free for a corrected retry. */
  async release(spaceId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM outbound_call_keys WHERE space_id = $1 AND key = $2 AND call_id IS NULL', [
      spaceId,
      key,
    ]);
  }
}

function hashOf(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}
