import { createHmac } from 'node:crypto';
import { DispatchMetadata } from '@speaknode/contracts';
import {
  type ClaimGrants,
  claimsToJwtPayload,
  RoomAgentDispatch,
  RoomConfiguration,
  TrackSource,
  type VideoGrant,
} from 'livekit-server-sdk';

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

/** The grants a caller or visitor needs, and nothing more: no admin, record, create or list. */
export function participantGrant(roomName: string): VideoGrant {
  return {
    roomJoin: true,
    room: roomName,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
    canSubscribe: true,
    canPublishData: true,
    canUpdateOwnMetadata: false,
  };
}

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/**
 * A LiveKit access token for one participant of one room, with only what a caller or visitor needs:
 * join that room, publish the microphone, subscribe, publish data. The claims are livekit-server-sdk's
 * own (`claimsToJwtPayload`, the same as `AccessToken.toJwt`); the HS256 signature is computed with
 * node:crypto directly because `AccessToken` imports the key through WebCrypto on every call, which
 * dominated the cost of a widget session. Tests verify these tokens with the SDK's TokenVerifier and
 * compare them with `AccessToken`'s.
 */
export async function createParticipantToken(
  credentials: LivekitCredentials,
  request: ParticipantTokenRequest,
): Promise<string> {
  const grants: ClaimGrants = { video: participantGrant(request.roomName) };
  if (request.name !== undefined) grants.name = request.name;
  if (request.attributes !== undefined) grants.attributes = request.attributes;
  if (request.dispatch) grants.roomConfig = agentRoomConfiguration(request.dispatch);
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    ...claimsToJwtPayload(grants),
    iss: credentials.apiKey,
    sub: request.identity,
    nbf: now,
    exp: now + (request.ttlSeconds ?? PARTICIPANT_TOKEN_TTL_SECONDS),
  };
  const body = `${JWT_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = createHmac('sha256', credentials.apiSecret).update(body).digest('base64url');
  return `${body}.${signature}`;
}
