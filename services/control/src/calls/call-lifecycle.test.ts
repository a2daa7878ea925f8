import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  AgentInput,
  createEvent,
  LivekitWebhook,
  TwilioCallIncoming,
  TwilioCallStatus,
  VoximplantCallback,
} from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import { runMigrations } from '@speaknode/runtime/db';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { AccessToken, Room, WebhookReceiver } from 'livekit-server-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../context.ts';
import { LivekitGateway, sipRoomPrefix } from '../livekit/livekit-gateway.ts';
import { FakeLivekitServer } from '../livekit/testing/fake-livekit-server.ts';
import { CallInserter } from './call-inserter.ts';
import { CallLifecycle } from './call-lifecycle.ts';
import { findCall } from './call-store.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));
const API_KEY = 'APIlifecycle';
const API_SECRET = 'lifecycle-secret-lifecycle-secret-xx';

let db: TestDatabase;
let livekit: FakeLivekitServer;
let lifecycle: CallLifecycle;
const spaceId = randomUUID();
const agentId = randomUUID();
const recordingAgentId = randomUUID();
const streamNumberId = randomUUID();
const sipNumberId = randomUUID();
const recordingNumberId = randomUUID();
const voxNumberId = randomUUID();

const agentConfig = (recordingEnabled: boolean) =>
  AgentInput.parse({
    name: 'Front desk',
    prompt: 'Answer calls.',
    llm: { provider: 'openai-compatible', model: 'gpt-4o-mini' },
    stt: { provider: 'speaknode-models' },
    tts: { provider: 'openai', model: 'tts-1', voice: 'alloy', credentialId: randomUUID() },
    recordingEnabled,
  });

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations(db.pool, migrations, 'control');
  await db.pool.query("INSERT INTO spaces (id, name) VALUES ($1, 'Clinic')", [spaceId]);
  for (const [id, recording] of [
    [agentId, false],
    [recordingAgentId, true],
  ] as const) {
    await db.pool.query(
      'INSERT INTO agents (id, space_id, name, config, publishable_key) VALUES ($1, $2, $3, $4, $5)',
      [id, spaceId, 'Front desk', agentConfig(recording), `pk_${id.replaceAll('-', '')}`],
    );
  }
  const numbers = [
    [streamNumberId, 'twilio', '+14155550100', 'stream', agentId],
    [sipNumberId, 'twilio', '+14155550101', 'sip', agentId],
    [recordingNumberId, 'twilio', '+14155550102', 'stream', recordingAgentId],
    [voxNumberId, 'voximplant', '+74955550100', 'stream', agentId],
  ];
  for (const [id, provider, number, mode, agent] of numbers) {
    await db.pool.query(
      'INSERT INTO phone_numbers (id, space_id, provider, number, mode, agent_id) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, spaceId, provider, number, mode, agent],
    );
  }
  livekit = await new FakeLivekitServer(API_KEY, API_SECRET).start();
  lifecycle = new CallLifecycle({
    pool: db.pool,
    inserter: new CallInserter(db.pool),
    livekit: new LivekitGateway(livekit.url, { apiKey: API_KEY, apiSecret: API_SECRET }),
    recordingTarget: {
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'recordings',
      accessKey: 'a',
      secretKey: 'b',
    },
    log: silentLogger,
  });
});
afterAll(async () => {
  await livekit?.stop();
  await db?.drop();
});
beforeEach(() => {
  livekit.down = false;
});

const deliver = (event: ReturnType<typeof createEvent>) => lifecycle.handle({ event });

function incoming(callSid: string, to: string, from = '+15551234567') {
  return createEvent(TwilioCallIncoming, {
    id: `twilio:${callSid}:incoming`,
    source: 'webhooks',
    subject: callSid,
    data: { callSid, accountSid: 'AC1', from, to, params: {} },
  });
}

function twilioStatus(callSid: string, callStatus: string, callDurationSeconds?: number) {
  return createEvent(TwilioCallStatus, {
    source: 'webhooks',
    subject: callSid,
    data: {
      callSid,
      accountSid: 'AC1',
      callStatus,
      ...(callDurationSeconds === undefined ? {} : { callDurationSeconds }),
      params: {},
    },
  });
}

/** A LiveKit webhook as the receiver puts it on the bus: signed by the SDK, verified by WebhookReceiver. */
async function livekitEvent(event: Record<string, unknown>) {
  // Protobuf JSON, as LiveKit posts it.
  const body = JSON.stringify({ id: randomUUID(), createdAt: String(Math.floor(Date.now() / 1000)), ...event });
  const token = new AccessToken(API_KEY, API_SECRET);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  const received = await new WebhookReceiver(API_KEY, API_SECRET).receive(body, await token.toJwt());
  return createEvent(LivekitWebhook, {
    source: 'webhooks',
    subject: received.room?.name || received.egressInfo?.roomName || 'x',
    data: {
      event: received.event,
      roomName: received.room?.name,
      payload: received.toJson() as Record<string, unknown>,
    },
  });
}

function joined(
  roomName: string,
  identity: string,
  kind: 'STANDARD' | 'SIP' | 'AGENT',
  attributes: Record<string, string> = {},
) {
  return livekitEvent({
    event: 'participant_joined',
    room: { name: roomName, sid: 'RM_1' },
    participant: { sid: `PA_${randomUUID().slice(0, 8)}`, identity, kind, attributes },
  });
}

async function outboxTypes(callId: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ type: string }>(
    "SELECT event->>'type' AS type FROM outbox WHERE event->>'subject' = $1 ORDER BY id",
    [callId],
  );
  return rows.map((r) => r.type);
}

describe(`CallLifecycle (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('a stream-mode Twilio call: record, room and dispatch once, then in progress, then ended with Twilio’s duration', async () => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    const callId = callIdForProviderCall('twilio', callSid);
    await deliver(incoming(callSid, '+14155550100'));
    await deliver(incoming(callSid, '+14155550100')); // redelivered
    const call = await findCall(db.pool, callId);
    expect(call).toMatchObject({
      status: 'ringing',
      channel: 'phone',
      provider: 'twilio',
      provider_call_id: callSid,
      agent_id: agentId,
    });
    expect(call!.from_number).toBe('+15551234567');
    expect(livekit.rooms.has(`call-${callId}`)).toBe(true);
    const dispatches = livekit.dispatches.filter((d) => d.room === `call-${callId}`);
    expect(dispatches).toHaveLength(1);
    expect(JSON.parse(dispatches[0]!.metadata)).toEqual({ callId, agentId, spaceId, channel: 'phone' });
    expect(call!.dispatch_id).toBe(dispatches[0]!.id);

    await deliver(await joined(`call-${callId}`, `phone-${callId}`, 'STANDARD'));
    expect((await findCall(db.pool, callId))!.status).toBe('in_progress');
    await deliver(twilioStatus(callSid, 'completed', 42));
    const ended = await findCall(db.pool, callId);
    expect(ended).toMatchObject({ status: 'ended', duration_seconds: 42, end_reason: 'caller_hangup' });
    // Late events change nothing.
    await deliver(twilioStatus(callSid, 'in-progress'));
    await deliver(await joined(`call-${callId}`, `phone-${callId}`, 'STANDARD'));
    expect((await findCall(db.pool, callId))!.status).toBe('ended');
    expect(await outboxTypes(callId)).toEqual([
      'call.status_changed',
      'call.started',
      'call.status_changed',
      'call.ended',
    ]);
  });

  it('a SIP-mode call: LiveKit SIP’s room is adopted, its agent dispatched by the number’s rule, not again', async () => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    const callId = callIdForProviderCall('twilio', callSid);
    await deliver(incoming(callSid, '+14155550101'));
    expect((await findCall(db.pool, callId))!.status).toBe('ringing');
    expect(livekit.dispatches.some((d) => JSON.parse(d.metadata).callId === callId)).toBe(false);
    const room = `${sipRoomPrefix(sipNumberId)}_+15551234567_xyz`;
    livekit.rooms.set(room, new Room({ name: room, sid: 'RM_sip' }));
    await deliver(
      await joined(room, 'sip_+15551234567', 'SIP', {
        'sip.twilio.callSid': callSid,
        'sip.phoneNumber': '+15551234567',
      }),
    );
    const call = await findCall(db.pool, callId);
    expect(call).toMatchObject({ status: 'in_progress', room_name: room, dispatch_id: 'sip-dispatch-rule' });
    // The dispatch rule's room configuration sent the agent: a second dispatch would be a second agent.
    expect(livekit.dispatches.filter((d) => d.room === room)).toEqual([]);
    expect(await lifecycle.reconcile()).toBe(0);
    expect(livekit.dispatches.filter((d) => d.room === room)).toEqual([]);
    await deliver(await livekitEvent({ event: 'room_finished', room: { name: room } }));
    expect((await findCall(db.pool, callId))!.status).toBe('ended');
  });

  it('LiveKit down: the call is still recorded, the outage is on the call, and reconcile dispatches later', async () => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    const callId = callIdForProviderCall('twilio', callSid);
    livekit.down = true;
    await deliver(incoming(callSid, '+14155550100'));
    const call = await findCall(db.pool, callId);
    expect(call).toMatchObject({ status: 'ringing', dispatch_id: null });
    const notes = await db.pool.query(
      "SELECT kind, detail FROM call_events WHERE call_id = $1 AND kind = 'livekit_error'",
      [callId],
    );
    expect(notes.rows[0].detail).toMatch(/will retry/);
    livekit.down = false;
    expect(await lifecycle.reconcile()).toBeGreaterThanOrEqual(1);
    expect((await findCall(db.pool, callId))!.dispatch_id).not.toBeNull();
  });

  it('records a busy line as failed, ignores unknown numbers and skips malformed events', async () => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    await deliver(incoming(callSid, '+14155550100'));
    await deliver(twilioStatus(callSid, 'busy'));
    expect(await findCall(db.pool, callIdForProviderCall('twilio', callSid))).toMatchObject({
      status: 'failed',
      end_reason: 'busy',
      failure_reason: 'the line was busy',
    });
    const stranger = `CA${randomUUID().replaceAll('-', '')}`;
    await deliver(incoming(stranger, '+19998887777'));
    expect(await findCall(db.pool, callIdForProviderCall('twilio', stranger))).toBeUndefined();
    await expect(
      lifecycle.handle({
        event: {
          id: 'x',
          type: 'twilio.call.status',
          time: new Date().toISOString(),
          source: 'webhooks',
          data: { callSid: 1 },
          schemaVersion: 1,
        },
      }),
    ).resolves.toBeUndefined();
  });

  it('starts a recording when the agent records and keeps the key when egress ends', async () => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    const callId = callIdForProviderCall('twilio', callSid);
    await deliver(incoming(callSid, '+14155550102'));
    await deliver(await joined(`call-${callId}`, `phone-${callId}`, 'STANDARD'));
    const call = await findCall(db.pool, callId);
    expect(call!.egress_id).toMatch(/^EG_/);
    const egress = livekit.egresses.find((e) => e.egressId === call!.egress_id)!;
    expect((egress.request.value as { audioOnly: boolean }).audioOnly).toBe(true);
    const event = await livekitEvent({
      event: 'egress_ended',
      egressInfo: {
        egressId: call!.egress_id!,
        roomName: `call-${callId}`,
        status: 'EGRESS_COMPLETE',
        fileResults: [{ filename: `recordings/${spaceId}/${callId}.ogg` }],
      },
    });
    await deliver(event);
    await deliver(event);
    expect((await findCall(db.pool, callId))!.recording_key).toBe(`recordings/${spaceId}/${callId}.ogg`);
    expect((await outboxTypes(callId)).filter((t) => t === 'call.recording.ready')).toHaveLength(1);
  });

  it('fails web calls nobody joined and text sessions that never started, saying what to check', async () => {
    const stale = randomUUID();
    const fresh = randomUUID();
    const staleText = randomUUID();
    for (const [id, age, transport] of [
      [stale, '2 hours', 'voice'],
      [fresh, '1 minute', 'voice'],
      [staleText, '2 hours', 'text'],
    ] as const) {
      await db.pool.query(
        `INSERT INTO calls (id, space_id, agent_id, channel, transport, status, room_name, created_at)
         VALUES ($1, $2, $3, 'widget', $6, 'created', $4, now() - $5::interval)`,
        [id, spaceId, agentId, transport === 'text' ? '' : `call-${id}`, age, transport],
      );
    }
    expect(await lifecycle.failAbandoned()).toBe(2);
    expect((await findCall(db.pool, staleText))!.failure_reason).toMatch(
      /the agent worker did not start this text session within 60 minutes/,
    );
    expect(await findCall(db.pool, stale)).toMatchObject({ status: 'failed', end_reason: 'canceled' });
    expect((await findCall(db.pool, stale))!.failure_reason).toMatch(/nobody joined the room, or LiveKit webhooks/);
    expect((await findCall(db.pool, fresh))!.status).toBe('created');
    expect(await outboxTypes(stale)).toEqual(['call.status_changed', 'call.ended']);
  });

  it('a VoxImplant call from our VoxEngine scenario’s callbacks', async () => {
    const voxCallId = `vox-${randomUUID()}`;
    const callId = callIdForProviderCall('voximplant', voxCallId);
    const vox = (event: string, payload: Record<string, unknown>) =>
      deliver(
        createEvent(VoximplantCallback, {
          source: 'webhooks',
          data: { accountId: '1', callId: voxCallId, event, payload },
        }),
      );
    await vox('incoming', { from: '+79161234567', to: '+74955550100' });
    expect(await findCall(db.pool, callId)).toMatchObject({ status: 'ringing', provider: 'voximplant' });
    await vox('call.connected', {});
    await vox('disconnected', { duration: 17, initiator: 'caller' });
    expect(await findCall(db.pool, callId)).toMatchObject({
      status: 'ended',
      duration_seconds: 17,
      end_reason: 'caller_hangup',
    });
  });
});
