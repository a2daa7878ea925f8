/** The call records that analytics facts are tied to: the proof of which space a span belongs to. */
import type pg from 'pg';
import type { CallRef } from './facts.ts';

/** SQL for a call's number as analytics files it: the space's own number of a phone call. */
export const PHONE_NUMBER_SQL = `coalesce(CASE WHEN direction = 'outbound' THEN from_number ELSE to_number END, '')`;

export async function callRefsOf(pool: pg.Pool, callIds: readonly string[]): Promise<Map<string, CallRef>> {
  if (callIds.length === 0) return new Map();
  const { rows } = await pool.query<{
    id: string;
    space_id: string;
    agent_id: string;
    channel: string;
    number: string;
  }>(`SELECT id, space_id, agent_id, channel, ${PHONE_NUMBER_SQL} AS number FROM calls WHERE id = ANY($1::uuid[])`, [
    callIds,
  ]);
  return new Map(
    rows.map((r) => [
      r.id,
      { callId: r.id, spaceId: r.space_id, agentId: r.agent_id, channel: r.channel, phoneNumber: r.number },
    ]),
  );
}
