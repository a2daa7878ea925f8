import { type CallVariables, PHONE_NUMBER_VARIABLE } from '@speaknode/contracts';
import type pg from 'pg';
import { type CallRow, e164OrNull } from '../calls/call-store.ts';

/**
 * The values a call's agent fills its `{{name}}` placeholders with: what an outbound call was placed
 * with, and on every phone call the other party's number as `phone_number`.
 */
export async function variablesOfCall(db: Pick<pg.Pool, 'query'>, call: CallRow): Promise<CallVariables> {
  const { rows } = await db.query<{ variables: CallVariables }>(
    'SELECT variables FROM call_variables WHERE call_id = $1',
    [call.id],
  );
  const other = e164OrNull(call.direction === 'outbound' ? call.to_number : call.from_number);
  return { ...(call.channel === 'phone' && other ? { [PHONE_NUMBER_VARIABLE]: other } : {}), ...rows[0]?.variables };
}
