import { createHash, randomUUID } from 'node:crypto';
import {
  type CallStatus,
  createEvent,
  LivekitWebhook,
  TwilioCallIncoming,
  TwilioCallStatus,
  VoximplantCallback,
} from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import { AccessToken, WebhookReceiver } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody } from '../testing/fixtures.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';

const LK_KEY = 'APIendings';
const LK_SECRET = 'endings-secret-endings-secret-endings';

let t: TestControl;
let spaceId: string;
let agentId: string;
let agentToken: string;

beforeAll(async () => {
  // LiveKit credentials only sign webhooks here: no room is made for these calls.
  t = await startTestControl({
    env: { LIVEKIT_URL: 'http://127.0.0.1:9', LIVEKIT_API_KEY: LK_KEY, LIVEKIT_API_SECRET: LK_SECRET },
  });
  const owner = await t.userToken('erin');
  spaceId = (await t.request('POST', '/api/v1/spaces', { token: owner, body: { name: 'Endings' } })).body.id;
  const credential = await t.request('POST', `/api/v1/spaces/${spaceId}/credentials`, {
    token: owner,
    body: { name: 'Keys', kind: 'openai', secret: 'sk-test-1234567890' },
  });
  agentId = (
    await t.request('POST', `/api/v1/spaces/${spaceId}/agents`, { token: owner, body: agentBody(credential.body.id) })
  ).body.id;
  for (const [provider, number] of [
    ['twilio', '+14155550170'],
    ['voximplant', '+74955550170'],
  ]) {
    const created = await t.request('POST', `/api/v1/spaces/${spaceId}/phone-numbers`, {
      token: owner,
      body: { provider, number, mode: 'stream', agentId },
    });
    expect(created.status).toBe(201);
  }
  agentToken = await t.serviceToken('service:agent');
});
afterAll(async () => {
  await t?.close();
});

const deliver = (event: ReturnType<typeof createEvent>) => t.control.ctx.callLifecycle.handle({ event });

async function webCall(status: CallStatus = 'created'): Promise<string> {
  const id = randomUUID();
  await t.control.ctx.callInserter.insert({
    id,
    spaceId,
    agentId,
    channel: 'widget',
    transport: 'voice',
    status: 'created',
    roomName: `call-${id}`,
  });
  if (status !== 'created') await agentUpdate(id, { status });
  return id;
}

/** The agent worker names the space and agent of its dispatch on every post. */
const scoped = (body: object) => ({ ...body, spaceId, agentId });

function agentUpdate(callId: string, body: object) {
  return t.request('POST', `/internal/v1/calls/${callId}/updates`, { token: agentToken, body: scoped(body) });
}

/** What the agent worker posts at the end of every call: its transcript, its end, its usage. */
async function agentFinalReport(callId: string, end: { status: 'ended' | 'failed'; endReason: string }) {
  const transcript = await t.request('POST', `/internal/v1/calls/${callId}/transcript`, {
    token: agentToken,
    body: scoped({ sequence: 0, turns: [{ speaker: 'agent', text: 'Goodbye.', startedAt: new Date().toISOString() }] }),
  });
  expect(transcript.status).toBe(204);
  // After a caller hang-up the call has ended already: the agent's report of it changes nothing but is accepted.
  expect((await agentUpdate(callId, end)).status).toBe(204);
  const usage = await t.request('POST', `/internal/v1/calls/${callId}/usage`, {
    token: agentToken,
    body: scoped({ callSeconds: 12 }),
  });
  expect(usage.status).toBe(204);
}

async function livekitEvent(event: Record<string, unknown>) {
  const body = JSON.stringify({ id: randomUUID(), createdAt: String(Math.floor(Date.now() / 1000)), ...event });
  const token = new AccessToken(LK_KEY, LK_SECRET);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  const received = await new WebhookReceiver(LK_KEY, LK_SECRET).receive(body, await token.toJwt());
  return createEvent(LivekitWebhook, {
    source: 'webhooks',
    subject: received.room?.name || 'x',
    data: {
      event: received.event,
      roomName: received.room?.name,
      payload: received.toJson() as Record<string, unknown>,
    },
  });
}

function twilioIncoming(callSid: string) {
  return createEvent(TwilioCallIncoming, {
    id: `twilio:${callSid}:incoming`,
    source: 'webhooks',
    subject: callSid,
    data: { callSid, accountSid: 'AC1', from: '+15551234567', to: '+14155550170', params: {} },
  });
}

function twilioStatus(callSid: string, callStatus: string) {
  return createEvent(TwilioCallStatus, {
    source: 'webhooks',
    subject: callSid,
    data: { callSid, accountSid: 'AC1', callStatus, params: {} },
  });
}

function voximplant(callId: string, event: string, payload: Record<string, unknown> = {}) {
  return createEvent(VoximplantCallback, {
    source: 'webhooks',
    subject: callId,
    data: { accountId: '1', callId, event, payload },
  });
}

/** How often each event type was written for the call, and its status entries in the event log. */
async function recorded(callId: string) {
  const outbox = await t.database.pool.query<{ type: string; n: number }>(
    `SELECT event->>'type' AS type, count(*)::int AS n FROM outbox WHERE event->>'subject' = $1 GROUP BY 1`,
    [callId],
  );
  const statuses = await t.database.pool.query<{ detail: string }>(
    "SELECT detail FROM call_events WHERE call_id = $1 AND kind = 'status' ORDER BY id",
    [callId],
  );
  return {
    events: Object.fromEntries(outbox.rows.map((r) => [r.type, r.n])) as Record<string, number>,
    statuses: statuses.rows.map((r) => r.detail),
  };
}

/**
 * Every way a call can end, each a function that ends the call `callId` (whatever else it must do
 * first), what the call's last status entry says, and whether the agent took part (it then posts
 * its final report; otherwise the reconcile loop announces the transcript after its grace time).
 */
const endings: {
  name: string;
  start(): Promise<string>;
  end(callId: string): Promise<void>;
  finalStatus: string;
  agentTookPart: boolean;
}[] = [
  {
    name: 'the agent ends it (end_call, silence, a text session ending)',
    start: () => webCall('in_progress'),
    end: (callId) => agentFinalReport(callId, { status: 'ended', endReason: 'agent_hangup' }),
    finalStatus: 'in_progress → ended (agent_hangup)',
    agentTookPart: true,
  },
  {
    name: 'the agent fails it (a provider rejected its key)',
    start: () => webCall('in_progress'),
    end: async (callId) => {
      expect(
        (
          await agentUpdate(callId, {
            status: 'failed',
            endReason: 'provider_error',
            failureReason: 'LLM key rejected',
          })
        ).status,
      ).toBe(204);
      expect(
        (await t.request('POST', `/internal/v1/calls/${callId}/usage`, { token: agentToken, body: scoped({}) })).status,
      ).toBe(204);
    },
    finalStatus: 'in_progress → failed (provider_error): LLM key rejected',
    agentTookPart: true,
  },
  {
    name: 'the visitor leaves the LiveKit room',
    start: () => webCall('in_progress'),
    end: async (callId) => {
      await deliver(
        await livekitEvent({
          event: 'participant_left',
          room: { name: `call-${callId}` },
          participant: { identity: 'visitor-x', kind: 'STANDARD' },
        }),
      );
      await agentFinalReport(callId, { status: 'ended', endReason: 'caller_hangup' });
    },
    finalStatus: 'in_progress → ended (caller_hangup)',
    agentTookPart: true,
  },
  {
    name: 'LiveKit finishes the room',
    start: () => webCall('in_progress'),
    end: async (callId) => {
      await deliver(await livekitEvent({ event: 'room_finished', room: { name: `call-${callId}` } }));
      await agentFinalReport(callId, { status: 'ended', endReason: 'caller_hangup' });
    },
    finalStatus: 'in_progress → ended',
    agentTookPart: true,
  },
  {
    name: 'nobody ever joins a web session',
    start: () => webCall('created'),
    end: async () => {
      await t.control.ctx.callLifecycle.failAbandoned(0);
    },
    finalStatus:
      'created → failed (canceled): no LiveKit event for this call within 0 minutes: nobody joined the room, or LiveKit webhooks do not reach the webhook receiver',
    agentTookPart: false,
  },
  ...(['completed', 'busy'] as const).map((status) => {
    const callSid = `CA${randomUUID().replaceAll('-', '')}`;
    return {
      name: `a Twilio status callback says ${status}`,
      start: async () => {
        await deliver(twilioIncoming(callSid));
        return callIdForProviderCall('twilio', callSid);
      },
      end: async (callId: string) => {
        await deliver(twilioStatus(callSid, status));
        if (status === 'completed') await agentFinalReport(callId, { status: 'ended', endReason: 'caller_hangup' });
      },
      finalStatus:
        status === 'completed' ? 'ringing → ended (caller_hangup)' : 'ringing → failed (busy): the line was busy',
      agentTookPart: status === 'completed',
    };
  }),
  ...(['disconnected', 'failed'] as const).map((event) => {
    const voxCallId = `vox-${randomUUID()}`;
    return {
      name: `a VoxImplant callback says ${event}`,
      start: async () => {
        await deliver(voximplant(voxCallId, 'incoming', { from: '+15551234567', to: '+74955550170' }));
        await deliver(voximplant(voxCallId, 'connected'));
        return callIdForProviderCall('voximplant', voxCallId);
      },
      end: async (callId: string) => {
        await deliver(voximplant(voxCallId, event, event === 'failed' ? { reason: 'no route' } : { duration: 7 }));
        if (event === 'disconnected') await agentFinalReport(callId, { status: 'ended', endReason: 'caller_hangup' });
      },
      finalStatus:
        event === 'disconnected'
          ? 'in_progress → ended (caller_hangup)'
          : 'in_progress → failed (provider_error): VoxImplant: no route',
      agentTookPart: event === 'disconnected',
    };
  }),
];

describe(`every way a call ends (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  for (const ending of endings) {
    it(`${ending.name}: call.ended and call.transcript.ready once, and a status entry`, async () => {
      const callId = await ending.start();
      await ending.end(callId);
      const atEnd = (await recorded(callId)).events;
      expect(atEnd['call.ended'], 'call.ended at the end').toBe(1);
      if (ending.agentTookPart) {
        // The agent's final report completes the transcript: announced now, not by the reconcile loop.
        expect(atEnd['call.transcript.ready'], 'call.transcript.ready after the agent’s report').toBe(1);
      } else {
        // No agent will say the transcript is complete: the reconcile loop does once its grace time is over.
        expect(atEnd['call.transcript.ready']).toBeUndefined();
        await t.control.ctx.callLifecycle.announceOverdueTranscripts(0);
      }
      // Whatever comes late changes nothing: the agent's report again, the reconcile loop, a redelivered end.
      await agentUpdate(callId, { status: 'ended' });
      await t.control.ctx.callLifecycle.announceOverdueTranscripts(0);
      await ending.end(callId).catch(() => {});
      const { events, statuses } = await recorded(callId);
      expect(events['call.ended'], 'call.ended').toBe(1);
      expect(events['call.transcript.ready'], 'call.transcript.ready').toBe(1);
      expect(statuses.at(-1)).toBe(ending.finalStatus);
      const detail = await t.request('GET', `/api/v1/spaces/${spaceId}/calls/${callId}/events`, {
        token: await t.userToken('erin'),
      });
      expect(detail.body.events.map((e: { detail: string }) => e.detail)).toContain(ending.finalStatus);
    });
  }

  it('the transcript announcement counts the turns the agent posted', async () => {
    const callId = await webCall('in_progress');
    await agentFinalReport(callId, { status: 'ended', endReason: 'agent_hangup' });
    const { rows } = await t.database.pool.query<{ turns: number }>(
      `SELECT (event->'data'->>'turns')::int AS turns FROM outbox
       WHERE event->>'subject' = $1 AND event->>'type' = 'call.transcript.ready'`,
      [callId],
    );
    expect(rows).toEqual([{ turns: 1 }]);
  });
});
