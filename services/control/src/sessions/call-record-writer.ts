import type pg from 'pg';

export interface NewWebCall {
  id: string;
  spaceId: string;
  agentId: string;
  channel: 'test' | 'widget';
  roomName: string;
}

/**
 * Inserts web-session call records with group commit: while one INSERT is in flight, the records
 * that arrive wait and go together in the next one. Under load that turns many round trips (and,
 * on the embedded database, many turns of its single session) into one, without delaying a lone
 * request at all.
 */
export class CallRecordWriter {
  private pending: { call: NewWebCall; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxBatch = 200,
  ) {}

  insert(call: NewWebCall): Promise<void> {
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
          await this.pool.query(
            `INSERT INTO calls (id, space_id, agent_id, channel, status, room_name)
             SELECT id, space_id, agent_id, channel, 'created', room_name
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[]) AS c(id, space_id, agent_id, channel, room_name)`,
            [
              batch.map((p) => p.call.id),
              batch.map((p) => p.call.spaceId),
              batch.map((p) => p.call.agentId),
              batch.map((p) => p.call.channel),
              batch.map((p) => p.call.roomName),
            ],
          );
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
