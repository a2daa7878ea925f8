import type { Call } from '@speaknode/contracts';
import type pg from 'pg';
import { CALL_COLUMNS, type CallRow } from './call-store.ts';

export interface NewCall {
  id: string;
  spaceId: string;
  agentId: string;
  channel: Call['channel'];
  transport: Call['transport'];
  status: Extract<Call['status'], 'created' | 'ringing'>;
  roomName: string;
  provider?: Call['provider'];
  providerCallId?: string | null;
  fromNumber?: string | null;
  toNumber?: string | null;
  /** `inbound` unless the platform placed the call (outbound calls). */
  direction?: Call['direction'];
}

interface Pending {
  call: NewCall;
  resolve: (result: { row: CallRow; created: boolean }) => void;
  reject: (error: unknown) => void;
}

/**
 * The one way a call record is created (web sessions, text sessions, phone calls). Inserts go with
 * group commit: while one INSERT is in flight, the records that arrive wait and go together in the
 * next one. Under load that turns many round trips (and, on the embedded database, many turns of its
 * single session) into one, without delaying a lone request at all. A call whose id exists already
 * (a redelivered provider event) is returned as it is, `created: false`.
 */
export class CallInserter {
  private pending: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxBatch = 200,
  ) {}

  insert(call: NewCall): Promise<{ row: CallRow; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ call, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          await this.insertBatch(batch);
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async insertBatch(batch: Pending[]): Promise<void> {
    const column = <K extends keyof NewCall>(key: K) => batch.map((p) => p.call[key] ?? null);
    const { rows } = await this.pool.query<CallRow>(
      `INSERT INTO calls (id, space_id, agent_id, channel, transport, status, room_name, provider, provider_call_id, from_number, to_number, direction)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
       ON CONFLICT DO NOTHING RETURNING ${CALL_COLUMNS}`,
      [
        column('id'),
        column('spaceId'),
        column('agentId'),
        column('channel'),
        column('transport'),
        column('status'),
        column('roomName'),
        column('provider'),
        column('providerCallId'),
        column('fromNumber'),
        column('toNumber'),
        batch.map((p) => p.call.direction ?? 'inbound'),
      ],
    );
    const inserted = new Map(rows.map((row) => [row.id, row]));
    const missing = batch.filter((p) => !inserted.has(p.call.id));
    const existing = new Map<string, CallRow>();
    if (missing.length > 0) {
      const found = await this.pool.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls WHERE id = ANY($1::uuid[])`, [
        missing.map((p) => p.call.id),
      ]);
      for (const row of found.rows) existing.set(row.id, row);
    }
    const claimed = new Set<string>();
    for (const p of batch) {
      const row = inserted.get(p.call.id);
      if (row) {
        // The same id twice in one batch (a redelivered event): only the first created it.
        p.resolve({ row, created: !claimed.has(row.id) });
        claimed.add(row.id);
        continue;
      }
      const already = existing.get(p.call.id);
      if (already) p.resolve({ row: already, created: false });
      else p.reject(new Error(`call ${p.call.id} conflicts with another call of the same provider call id`));
    }
  }
}
