import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import {
  AGENT_NAME,
  agentRoomConfiguration,
  createParticipantToken,
  participantGrant,
  roomNameForCall,
} from './participant-token.ts';

const credentials = { apiKey: 'APIkey123', apiSecret: 'a-secret-of-at-least-32-characters!!' };
const dispatch = {
  callId: '9b2f0c9e-2c55-4b1c-8f63-1f0c7d2a4e10',
  agentId: '0d4c3c53-3d1f-4a8e-9d43-1e1a7c0c8d21',
  spaceId: '5b0c1f37-7f4e-4d52-9a37-0d4f1b0e9f11',
  channel: 'widget' as const,
};

describe('createParticipantToken', () => {
  it('grants only join, microphone, subscribe and data for the call room, with a short TTL', async () => {
    const before = Math.floor(Date.now() / 1000);
    const jwt = await createParticipantToken(credentials, {
      roomName: roomNameForCall(dispatch.callId),
      identity: 'visitor-abc',
      attributes: { channel: 'widget' },
      dispatch,
    });
    const claims = await new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(jwt);
    expect(claims.sub).toBe('visitor-abc');
    expect(claims.iss).toBe(credentials.apiKey);
    expect(claims.video).toEqual({
      roomJoin: true,
      room: `call-${dispatch.callId}`,
      canPublish: true,
      canPublishSources: ['microphone'],
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: false,
    });
    expect(claims.video?.roomAdmin).toBeUndefined();
    expect(claims.video?.roomCreate).toBeUndefined();
    expect(claims.video?.roomRecord).toBeUndefined();
    expect(claims.sip).toBeUndefined();
    expect(claims.attributes).toEqual({ channel: 'widget' });
    const ttl = (claims.exp ?? 0) - before;
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(601);
  });

  it('carries the agent dispatch in the room configuration', async () => {
    const jwt = await createParticipantToken(credentials, { roomName: 'call-x', identity: 'v', dispatch });
    const claims = await new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(jwt);
    const roomConfig = claims.roomConfig as unknown as { agents: { agentName: string; metadata: string }[] };
    expect(roomConfig.agents).toHaveLength(1);
    expect(roomConfig.agents[0]!.agentName).toBe(AGENT_NAME);
    expect(JSON.parse(roomConfig.agents[0]!.metadata)).toEqual(dispatch);
  });

  it('carries the same claims as livekit-server-sdk’s AccessToken would', async () => {
    const request = { roomName: 'call-x', identity: 'visitor-1', name: 'Visitor', attributes: { a: 'b' }, dispatch };
    const ours = await createParticipantToken(credentials, request);
    const sdk = new AccessToken(credentials.apiKey, credentials.apiSecret, {
      identity: request.identity,
      name: request.name,
      attributes: request.attributes,
      ttl: 600,
    });
    sdk.addGrant(participantGrant(request.roomName));
    sdk.roomConfig = agentRoomConfiguration(dispatch);
    const verifier = new TokenVerifier(credentials.apiKey, credentials.apiSecret);
    const [a, b] = await Promise.all([verifier.verify(ours), verifier.verify(await sdk.toJwt())]);
    const timeless = ({ exp, nbf, iat, ...rest }: Record<string, unknown>) => rest;
    expect(timeless(a as Record<string, unknown>)).toEqual(timeless(b as Record<string, unknown>));
    expect(Math.abs((a.exp ?? 0) - (b.exp ?? 0))).toBeLessThanOrEqual(1);
    expect(JSON.parse(Buffer.from(ours.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256' });
  });

  it('omits the room configuration when no dispatch is asked for (a bridge joining an existing room)', async () => {
    const jwt = await createParticipantToken(credentials, { roomName: 'call-x', identity: 'phone-1' });
    const claims = await new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(jwt);
    expect(claims.roomConfig).toBeUndefined();
  });

  it('is rejected by a verifier with another secret, and once expired', async () => {
    const jwt = await createParticipantToken(credentials, { roomName: 'r', identity: 'v' });
    await expect(
      new TokenVerifier(credentials.apiKey, 'another-secret-another-secret-xx').verify(jwt),
    ).rejects.toThrow();
    const expired = new AccessToken(credentials.apiKey, credentials.apiSecret, { identity: 'v', ttl: -10 });
    expired.addGrant({ roomJoin: true, room: 'r' });
    await expect(
      new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(await expired.toJwt()),
    ).rejects.toThrow(/exp/);
  });

  it('refuses dispatch metadata that does not match the contract', async () => {
    await expect(
      createParticipantToken(credentials, {
        roomName: 'r',
        identity: 'v',
        dispatch: { ...dispatch, callId: 'nope' },
      }),
    ).rejects.toThrow(/callId/);
  });
});
