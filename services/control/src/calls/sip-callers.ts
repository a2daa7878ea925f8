import type { TelephonyProvider } from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import type pg from 'pg';
import { isUuid } from '../auth/space-access.ts';
import { CALL_ID_ATTRIBUTE, SIP_ROOM_PREFIX } from '../livekit/livekit-gateway.ts';
import type { CallInserter } from './call-inserter.ts';
import { type CallRow, e164OrNull } from './call-store.ts';

/** A caller LiveKit SIP put into a `sip-<phoneNumberId>-…` room, as its webhook or the dispatched agent sees it. */
export interface SipCaller {
  roomName: string;
  participantSid: string;
  attributes: Record<string, string>;
}

/** The phone number a SIP room belongs to: its name starts with the number's id (the dispatch rule's prefix). */
export function phoneNumberIdOfSipRoom(roomName: string): string | undefined {
  if (!roomName.startsWith(SIP_ROOM_PREFIX)) return undefined;
  const id = roomName.slice(SIP_ROOM_PREFIX.length, SIP_ROOM_PREFIX.length + 36);
  return isUuid(id) ? id : undefined;
}

/**
 * Finds or creates the call of a SIP caller, idempotently: LiveKit's participant webhook and the
 * agent the dispatch rule sent into the room both ask, in either order, and get the same call —
 * the id the receiver put in the X-Speaknode-Call-Id header (Twilio), else one derived from the
 * provider's call id. `scope`, when given, must be the number's space and agent, else undefined.
 */
export async function sipCallerCall(
  pool: pg.Pool,
  inserter: CallInserter,
  caller: SipCaller,
  scope?: { spaceId: string; agentId: string },
): Promise<CallRow | undefined> {
  const phoneNumberId = phoneNumberIdOfSipRoom(caller.roomName);
  if (!phoneNumberId) return undefined;
  const { rows } = await pool.query<{
    space_id: string;
    agent_id: string;
    provider: TelephonyProvider;
    number: string;
  }>('SELECT space_id, agent_id, provider, number FROM phone_numbers WHERE id = $1', [phoneNumberId]);
  const number = rows[0];
  if (!number) return undefined;
  if (scope && (scope.spaceId !== number.space_id || scope.agentId !== number.agent_id)) return undefined;
  const { attributes } = caller;
  const providerCallId = attributes['sip.twilio.callSid'] || attributes['sip.callID'] || caller.participantSid;
  const named = attributes[CALL_ID_ATTRIBUTE];
  const callId = named && isUuid(named) ? named : callIdForProviderCall(number.provider, providerCallId);
  const { row } = await inserter.insert({
    id: callId,
    spaceId: number.space_id,
    agentId: number.agent_id,
    channel: 'phone',
    transport: 'voice',
    status: 'ringing',
    roomName: caller.roomName,
    provider: number.provider,
    providerCallId,
    fromNumber: e164OrNull(attributes['sip.phoneNumber']) ?? attributes['sip.phoneNumber'] ?? null,
    toNumber: number.number,
  });
  if (row.room_name !== caller.roomName) {
    await pool.query('UPDATE calls SET room_name = $2 WHERE id = $1', [callId, caller.roomName]);
    row.room_name = caller.roomName;
  }
  return row;
}
