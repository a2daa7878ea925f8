import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readJson, startTestReceiver, type TestReceiver, until } from '../testing/harness.ts';
import type { RecordingBus } from '../testing/memory-bus.ts';

const API_KEY = 'APIwebhooktest';
const API_SECRET = 'livekit-secret-for-webhook-tests-0123456789';

/** What LiveKit server does: a JWT from the API key and secret carrying the body's SHA-256 (base64). */
async function livekitAuthorization(body: string, secret = API_SECRET): Promise<string> {
  const token = new AccessToken(API_KEY, secret);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

const roomFinished = JSON.stringify({
  event: 'room_finished',
  id: 'EV_7hTq2example',
  createdAt: '1763700000',
  room: { sid: 'RM_abc123', name: 'call-9b2f0c9e', numParticipants: 0 },
});

describe('LiveKit webhooks', () => {
  let database: TestDatabase;
  let receiver: TestReceiver;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    receiver = await startTestReceiver({ database, livekit: { apiKey: API_KEY, apiSecret: API_SECRET } });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const post = (body: string, authorization?: string) =>
    fetch(`${receiver.url}/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) },
      body,
    });

  it('accepts an event signed by livekit-server-sdk, keyed by room, with an id from the event id; a retry is one event', async () => {
    const authorization = await livekitAuthorization(roomFinished);
    expect((await post(roomFinished, authorization)).status).toBe(200);
    expect((await post(roomFinished, authorization)).status).toBe(200);
    const bus = receiver.bus as RecordingBus;
    await until(() => bus.published.length >= 1, 'the event');
    await new Promise((r) => setTimeout(r, 100));
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]).toMatchObject({
      topic: 'webhooks.livekit',
      event: {
        id: 'livekit:EV_7hTq2example',
        type: 'livekit.webhook',
        subject: 'call-9b2f0c9e',
        data: { event: 'room_finished', roomName: 'call-9b2f0c9e', roomSid: 'RM_abc123' },
      },
    });
  });

  it('refuses a missing signature, another secret, and a body that is not the one signed (403 problem+json)', async () => {
    const responses = [
      await post(roomFinished),
      await post(roomFinished, await livekitAuthorization(roomFinished, 'some-other-secret-0123456789abcdef')),
      await post(roomFinished.replace('room_finished', 'room_started'), await livekitAuthorization(roomFinished)),
    ];
    for (const res of responses) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(receiver.spool.stats().committed).toBe(0);
  });

  it('answers 400 for an authentic body that is not JSON, and 413 over 1 MiB', async () => {
    const garbage = '{"event": "room_finished", ';
    const bad = await post(garbage, await livekitAuthorization(garbage));
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).title).toBe('Bad Request');
    const huge = 'x'.repeat(1_048_577);
    const big = await post(huge, await livekitAuthorization(huge));
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
