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
 * A web conversation: the call record (status `created`) and a participant token for its room whose
 * room configuration dispatches the agent, so no LiveKit API call sits on this path.
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
  const token = await createParticipantToken(livekit.credentials, {
    roomName,
    identity: session.identity,
    ...(session.name ? { name: session.name } : {}),
    attributes: { 'speaknode.channel': session.channel },
    dispatch: { callId, agentId: session.agentId, spaceId: session.spaceId, channel: session.channel },
  });
  return { callId, serverUrl: livekit.clientUrl, token };
}
