import { DispatchMetadata } from '@speaknode/contracts';
import { AccessToken, RoomAgentDispatch, RoomConfiguration, TrackSource } from 'livekit-server-sdk';

/** The agent name the worker registers with LiveKit (services/agent); dispatches target it. */
export const AGENT_NAME = 'speaknode-agent';

/** Participant tokens live just long enough to join; LiveKit keeps a joined participant connected past expiry. */
export const PARTICIPANT_TOKEN_TTL_SECONDS = 600;

export interface LivekitCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface ParticipantTokenRequest {
  roomName: string;
  identity: string;
  name?: string;
  attributes?: Record<string, string>;
  /** Carried in the token's room configuration so the room is created with the agent dispatched into it. */
  dispatch?: DispatchMetadata;
  ttlSeconds?: number;
}

/** The room name of a call: one room per call, named after it. */
export function roomNameForCall(callId: string): string {
  return `call-${callId}`;
}

/** The room configuration that dispatches our agent worker with the call's metadata. */
export function agentRoomConfiguration(dispatch: DispatchMetadata): RoomConfiguration {
  const metadata = JSON.stringify(DispatchMetadata.parse(dispatch));
  return new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: AGENT_NAME, metadata })] });
}

/**
 * A LiveKit access token for one participant of one room, with only what a caller or visitor needs:
 * join that room, publish the microphone, subscribe, publish data. No admin, record or create grants.
 */
export async function createParticipantToken(
  credentials: LivekitCredentials,
  request: ParticipantTokenRequest,
): Promise<string> {
  const token = new AccessToken(credentials.apiKey, credentials.apiSecret, {
    identity: request.identity,
    ttl: request.ttlSeconds ?? PARTICIPANT_TOKEN_TTL_SECONDS,
    ...(request.name === undefined ? {} : { name: request.name }),
    ...(request.attributes === undefined ? {} : { attributes: request.attributes }),
  });
  token.addGrant({
    roomJoin: true,
    room: request.roomName,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
    canSubscribe: true,
    canPublishData: true,
    canUpdateOwnMetadata: false,
  });
  if (request.dispatch) token.roomConfig = agentRoomConfiguration(request.dispatch);
  return token.toJwt();
}
