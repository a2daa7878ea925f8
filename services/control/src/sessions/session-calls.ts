import { randomBytes, randomUUID } from 'node:crypto';
import type { CallChannel, SessionGrant } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import type { ControlContext } from '../context.ts';
import { createParticipantToken, roomNameForCall } from '../livekit/participant-token.ts';

/** Random, short-lived, meaningless outside its room: what a widget visitor or console tester is called. */
export function randomIdentity(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('base64url')}`;
}

/**
 * A web conversation: the call record (status `created`), its room created on LiveKit with the
 * agent dispatch in its configuration (the stack's LiveKit runs with `room.auto_create: false`, so a
 * join to a room nobody created answers 404), then a participant token for that room.
 */
export async function createSessionCall(
  ctx: Pick<ControlContext, 'livekit' | 'callInserter'>,
  session: {
    spaceId: string;
    agentId: string;
    channel: Extract<CallChannel, 'test' | 'widget'>;
    identity: string;
    name?: string;
  },
): Promise<SessionGrant> {
  const livekit = ctx.livekit;
  if (!livekit) {
    throw HttpProblem.unavailable(
      'voice sessions need a LiveKit server: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET',
    );
  }
  const callId = randomUUID();
  const roomName = roomNameForCall(callId);
  await ctx.callInserter.insert({
    id: callId,
    spaceId: session.spaceId,
    agentId: session.agentId,
    channel: session.channel,
    transport: 'voice',
    status: 'created',
    roomName,
  });
  const dispatch = { callId, agentId: session.agentId, spaceId: session.spaceId, channel: session.channel };
  try {
    await livekit.gateway.ensureRoom(roomName, { dispatch });
  } catch (error) {
    throw HttpProblem.unavailable(`LiveKit could not create the room: ${(error as Error).message}`, 5);
  }
  const token = await createParticipantToken(livekit.credentials, {
    roomName,
    identity: session.identity,
    ...(session.name ? { name: session.name } : {}),
    attributes: { 'speaknode.channel': session.channel },
    dispatch,
  });
  return { callId, serverUrl: livekit.clientUrl, token };
}
