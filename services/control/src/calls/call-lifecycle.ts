import {
  AgentInput,
  CallRecordingReady,
  type CallStatus,
  type DispatchMetadata,
  type EventEnvelope,
  EventValidationError,
  parseEvent,
  type TelephonyProvider,
} from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import type { DeliveredEvent } from '@speaknode/runtime/bus';
import { inTransaction } from '@speaknode/runtime/db';
import { EgressStatus, WebhookEvent } from 'livekit-server-sdk';
import type pg from 'pg';
import type { Logger } from '../context.ts';
import { type LivekitGateway, type RecordingTarget, SIP_ROOM_PREFIX } from '../livekit/livekit-gateway.ts';
import { roomNameForCall } from '../livekit/participant-token.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import type { CallInserter } from './call-inserter.ts';
import {
  CALL_COLUMNS,
  type CallRow,
  findCall,
  findCallByEgress,
  findCallByProviderCall,
  findCallByRoom,
  noteOnCall,
} from './call-store.ts';
import { announceTranscript, type CallMove, moveCall, overdueTranscripts } from './call-transitions.ts';
import { phoneNumberIdOfSipRoom, sipCallerCall } from './sip-callers.ts';

/** ParticipantInfo.Kind in LiveKit's protocol (livekit_models.proto). */
const PARTICIPANT_KIND_SIP = 3;
const PARTICIPANT_KIND_AGENT = 4;
/** A web call still `created` this long after its token was issued (TTL 10 minutes) was never joined. */
const ABANDONED_AFTER_MS = 60 * 60_000;
/** An outbound call rings for a minute at most (Twilio's default timeout 60 s, LiveKit SIP's ours 45 s). */
const UNANSWERED_OUTBOUND_AFTER_MS = 15 * 60_000;
/** How long after a call ended its agent has to say the transcript is complete before it is announced anyway. */
export const TRANSCRIPT_GRACE_MS = 2 * 60_000;
/** `calls.dispatch_id` of a SIP caller's call: the number's dispatch rule dispatched the agent, not control. */
const SIP_RULE_DISPATCH = 'sip-dispatch-rule';

/** Twilio's CallStatus values (status callbacks) and where each moves our call. */
const TWILIO_STATUS: Record<string, { to: CallStatus; endReason?: CallMove['endReason']; failureReason?: string }> = {
  ringing: { to: 'ringing' },
  'in-progress': { to: 'in_progress' },
  completed: { to: 'ended', endReason: 'caller_hangup' },
  busy: { to: 'failed', endReason: 'busy', failureReason: 'the line was busy' },
  'no-answer': { to: 'failed', endReason: 'no_answer', failureReason: 'nobody answered' },
  canceled: { to: 'ended', endReason: 'canceled' },
  failed: { to: 'failed', endReason: 'provider_error', failureReason: 'Twilio reported the call as failed' },
};

export interface CallLifecycleOptions {
  pool: pg.Pool;
  inserter: CallInserter;
  /** Null when LiveKit is not configured: calls are still recorded, voice cannot run. */
  livekit: LivekitGateway | null;
  recordingTarget: RecordingTarget | null;
  /** Wakes the outbox relay after a commit. */
  nudge?: () => void;
  log: Logger;
}

/**
 * The call lifecycle from telephony and LiveKit events (bus topics webhooks.twilio,
 * webhooks.voximplant, webhooks.livekit). Every step is idempotent, so a redelivered event changes
 * nothing. A LiveKit outage never throws out of the handler (that would hold up every later event
 * on the topic): it is noted on the call and `reconcile()` retries the missing room and dispatch.
 */
export class CallLifecycle {
  constructor(private readonly options: CallLifecycleOptions) {}

  private get pool() {
    return this.options.pool;
  }

  /** The bus handler. Malformed events are logged and skipped: retrying them cannot help. */
  async handle(delivered: Pick<DeliveredEvent, 'event'>): Promise<void> {
    let event: EventEnvelope;
    try {
      event = parseEvent(delivered.event);
    } catch (error) {
      if (error instanceof EventValidationError) {
        this.options.log.warn('skipping a malformed telephony event', { id: delivered.event.id, error: error.message });
        return;
      }
      throw error;
    }
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'twilio.call.incoming':
        return this.onIncoming('twilio', String(data.callSid), String(data.from), String(data.to));
      case 'twilio.call.status':
        return this.onTwilioStatus(data as { callSid: string; callStatus: string; callDurationSeconds?: number });
      case 'voximplant.callback':
        return this.onVoximplant(data as { callId?: string; event?: string; payload: Record<string, unknown> });
      case 'livekit.webhook':
        return this.onLivekit(data as { payload: Record<string, unknown> });
      default:
        return;
    }
  }

  /** Moves the call (the one transition function) in its own transaction; the moved call, or null when it did not move. */
  private async move(callId: string, to: CallStatus, move: Omit<CallMove, 'to'> = {}): Promise<CallRow | null> {
    const result = await inTransaction(this.pool, (client) => moveCall(client, callId, { ...move, to }));
    if (result.outcome !== 'moved') return null;
    this.options.nudge?.();
    return result.call;
  }

  private async onIncoming(provider: TelephonyProvider, providerCallId: string, from: string, to: string) {
    const { rows } = await this.pool.query<{ id: string; space_id: string; agent_id: string; mode: 'sip' | 'stream' }>(
      'SELECT id, space_id, agent_id, mode FROM phone_numbers WHERE provider = $1 AND number = $2',
      [provider, to],
    );
    const number = rows[0];
    if (!number) {
      this.options.log.warn('incoming call for a number no space has', { provider, to });
      return;
    }
    const callId = callIdForProviderCall(provider, providerCallId);
    const { row, created } = await this.options.inserter.insert({
      id: callId,
      spaceId: number.space_id,
      agentId: number.agent_id,
      channel: 'phone',
      transport: 'voice',
      status: 'ringing',
      roomName: roomNameForCall(callId),
      provider,
      providerCallId,
      fromNumber: from,
      toNumber: to,
    });
    if (created)
      await noteOnCall(
        this.pool,
        callId,
        'provider',
        `incoming ${provider} call from ${from} to ${to} (${number.mode})`,
      );
    // SIP-mode calls get their room and dispatch when LiveKit SIP puts the caller in a room.
    if (number.mode === 'stream') await this.prepareRoom(row);
  }

  /** Room + agent dispatch for a call whose media arrives through the bridge. Failures are noted, not thrown. */
  private async prepareRoom(call: CallRow): Promise<void> {
    if (call.dispatch_id) return;
    if (phoneNumberIdOfSipRoom(call.room_name)) {
      // LiveKit SIP made the room; the number's dispatch rule (roomConfig.agents) dispatched the agent.
      await this.pool.query('UPDATE calls SET dispatch_id = $2 WHERE id = $1 AND dispatch_id IS NULL', [
        call.id,
        SIP_RULE_DISPATCH,
      ]);
      return;
    }
    const livekit = this.options.livekit;
    if (!livekit) {
      await noteOnCall(this.pool, call.id, 'livekit', 'LiveKit is not configured (LIVEKIT_URL): no room for the agent');
      return;
    }
    try {
      await livekit.ensureRoom(call.room_name);
      const dispatch = await livekit.ensureAgentDispatch(call.room_name, this.dispatchOf(call));
      await this.pool.query('UPDATE calls SET dispatch_id = $2 WHERE id = $1', [call.id, dispatch.id]);
    } catch (error) {
      await noteOnCall(
        this.pool,
        call.id,
        'livekit_error',
        `room or agent dispatch failed, will retry: ${(error as Error).message}`,
      );
      this.options.log.warn('LiveKit room/dispatch failed', { callId: call.id, error: (error as Error).message });
    }
  }

  private dispatchOf(call: CallRow): DispatchMetadata {
    return { callId: call.id, agentId: call.agent_id, spaceId: call.space_id, channel: call.channel };
  }

  private async onTwilioStatus(data: { callSid: string; callStatus: string; callDurationSeconds?: number }) {
    const target = TWILIO_STATUS[data.callStatus];
    if (!target) return;
    // Inbound calls' ids derive from the CallSid; an outbound call's id was ours before Twilio named it.
    const callId =
      (await findCallByProviderCall(this.pool, 'twilio', data.callSid))?.id ??
      callIdForProviderCall('twilio', data.callSid);
    if (!(await findCall(this.pool, callId))) {
      this.options.log.warn('status callback for a call control does not know', { callSid: data.callSid });
      return;
    }
    await noteOnCall(this.pool, callId, 'provider', `Twilio status ${data.callStatus}`);
    await this.move(callId, target.to, {
      ...(target.endReason ? { endReason: target.endReason } : {}),
      ...(target.failureReason ? { failureReason: target.failureReason } : {}),
      ...(data.callDurationSeconds !== undefined ? { durationSeconds: data.callDurationSeconds } : {}),
    });
  }

  /**
   * VoxImplant callbacks from our VoxEngine scenario: `incoming` (payload.from, payload.to),
   * `connected`, `disconnected` (payload.duration in seconds), `failed` (payload.reason).
   */
  private async onVoximplant(data: { callId?: string; event?: string; payload: Record<string, unknown> }) {
    if (!data.callId || !data.event) return;
    const payload = data.payload;
    // Our scenario names events `incoming` …; `call.incoming` … is accepted the same.
    const event = data.event.replace(/^call\./, '');
    if (event === 'incoming') {
      return this.onIncoming('voximplant', data.callId, String(payload.from ?? ''), String(payload.to ?? ''));
    }
    // An outbound call's scenario reports it under our call id, its provider call id.
    const callId =
      (await findCallByProviderCall(this.pool, 'voximplant', data.callId))?.id ??
      callIdForProviderCall('voximplant', data.callId);
    if (!(await findCall(this.pool, callId))) return;
    if (event === 'connected') await this.move(callId, 'in_progress');
    if (event === 'disconnected') {
      const duration = Number(payload.duration);
      await this.move(callId, 'ended', {
        endReason: payload.initiator === 'agent' ? 'agent_hangup' : 'caller_hangup',
        ...(Number.isFinite(duration) && duration >= 0 ? { durationSeconds: duration } : {}),
      });
    }
    if (event === 'failed') {
      // The SIP code of a call the scenario placed that did not connect (CallEvents.Failed `code`).
      const code = Number(payload.code);
      await this.move(callId, 'failed', {
        endReason:
          code === 486 || code === 600 ? 'busy' : [408, 480, 487, 603].includes(code) ? 'no_answer' : 'provider_error',
        failureReason: `VoxImplant: ${String(payload.reason ?? 'the call failed')}`.slice(0, 2000),
      });
    }
  }

  private async onLivekit(data: { payload: Record<string, unknown> }) {
    let webhook: WebhookEvent;
    try {
      webhook = WebhookEvent.fromJson(data.payload as never, { ignoreUnknownFields: true });
    } catch (error) {
      this.options.log.warn('skipping a LiveKit webhook that does not parse', { error: (error as Error).message });
      return;
    }
    const roomName = webhook.room?.name || webhook.egressInfo?.roomName || '';
    const at = webhook.createdAt ? new Date(Number(webhook.createdAt) * 1000) : new Date();
    switch (webhook.event) {
      case 'participant_joined': {
        const participant = webhook.participant;
        if (!participant || participant.kind === PARTICIPANT_KIND_AGENT) return;
        if (roomName.startsWith(SIP_ROOM_PREFIX) && participant.kind === PARTICIPANT_KIND_SIP) {
          await this.onSipCaller(roomName, participant.sid, participant.attributes);
        }
        const call = await findCallByRoom(this.pool, roomName);
        if (!call) return;
        // An outbound SIP callee is in the room while LiveKit still dials it: answered means `active`.
        const sipStatus =
          participant.kind === PARTICIPANT_KIND_SIP ? participant.attributes['sip.callStatus'] : undefined;
        if (sipStatus === 'dialing' || sipStatus === 'ringing') return;
        const moved = await this.move(call.id, 'in_progress', { at });
        if (moved) await this.startRecordingIfWanted(moved);
        return;
      }
      case 'participant_left': {
        const call = await findCallByRoom(this.pool, roomName);
        if (!call || !webhook.participant) return;
        const agent = webhook.participant.kind === PARTICIPANT_KIND_AGENT;
        await this.move(call.id, 'ended', { at, endReason: agent ? 'agent_hangup' : 'caller_hangup' });
        return;
      }
      case 'room_finished': {
        const call = await findCallByRoom(this.pool, roomName);
        if (call) await this.move(call.id, 'ended', { at });
        return;
      }
      case 'egress_ended': {
        const egress = webhook.egressInfo;
        if (!egress) return;
        const call = await findCallByEgress(this.pool, egress.egressId);
        if (!call) return;
        if (egress.status !== EgressStatus.EGRESS_COMPLETE) {
          await noteOnCall(
            this.pool,
            call.id,
            'recording_error',
            `recording did not complete: ${egress.error || EgressStatus[egress.status]}`,
          );
          return;
        }
        const key = egress.fileResults[0]?.filename || `recordings/${call.space_id}/${call.id}.ogg`;
        await inTransaction(this.pool, async (client) => {
          const updated = await client.query(
            'UPDATE calls SET recording_key = $2 WHERE id = $1 AND recording_key IS DISTINCT FROM $2',
            [call.id, key],
          );
          if (updated.rowCount) {
            await writeOutboxEvent(client, CallRecordingReady, {
              spaceId: call.space_id,
              subject: call.id,
              data: { callId: call.id, agentId: call.agent_id, channel: call.channel, recordingKey: key },
            });
          }
        });
        this.options.nudge?.();
        return;
      }
      default:
        return;
    }
  }

  /**
   * LiveKit SIP put a caller into `sip-<phoneNumberId>-…`: find or create the call (the agent the
   * number's dispatch rule sent into the room may have done so already) and note that the rule
   * dispatched its agent, so that nothing dispatches a second one.
   */
  private async onSipCaller(roomName: string, participantSid: string, attributes: Record<string, string>) {
    const call = await sipCallerCall(this.pool, this.options.inserter, { roomName, participantSid, attributes });
    if (call) await this.prepareRoom(call);
  }

  private async startRecordingIfWanted(call: CallRow): Promise<void> {
    if (call.egress_id) return;
    const { rows } = await this.pool.query<{ config: unknown }>('SELECT config FROM agents WHERE id = $1', [
      call.agent_id,
    ]);
    const parsed = AgentInput.safeParse(rows[0]?.config);
    if (!parsed.success || !parsed.data.recordingEnabled) return;
    const { livekit, recordingTarget } = this.options;
    if (!livekit || !recordingTarget) {
      await noteOnCall(
        this.pool,
        call.id,
        'recording_error',
        'recording is on but LiveKit egress or the object store is not configured',
      );
      return;
    }
    try {
      const key = `recordings/${call.space_id}/${call.id}.ogg`;
      const { egressId } = await livekit.startRecording(call.room_name, key, recordingTarget);
      await this.pool.query('UPDATE calls SET egress_id = $2 WHERE id = $1', [call.id, egressId]);
    } catch (error) {
      await noteOnCall(
        this.pool,
        call.id,
        'recording_error',
        `could not start the recording: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Web calls nobody ever joined: the token expired unused, or LiveKit's webhooks do not reach the
   * receiver; text sessions whose worker session never started. Either way the call should not stay
   * `created` for ever; the reason says which to check.
   */
  async failAbandoned(olderThanMs = ABANDONED_AFTER_MS): Promise<number> {
    const { rows } = await this.pool.query<{ id: string; transport: string }>(
      `SELECT id, transport FROM calls WHERE status = 'created' AND channel IN ('test', 'widget')
       AND created_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY created_at LIMIT 100`,
      [olderThanMs],
    );
    const minutes = Math.round(olderThanMs / 60_000);
    let failed = 0;
    for (const { id, transport } of rows) {
      const moved = await this.move(id, 'failed', {
        endReason: 'canceled',
        failureReason:
          transport === 'text'
            ? `the agent worker did not start this text session within ${minutes} minutes: control stopped before asking it, and no message came to start it`
            : `no LiveKit event for this call within ${minutes} minutes: nobody joined the room, or LiveKit webhooks do not reach the webhook receiver`,
      });
      if (moved) failed += 1;
    }
    return failed;
  }

  /**
   * Outbound calls no provider status ever reached past `ringing`: the receiver is unreachable for the
   * provider's callbacks, or control restarted while LiveKit SIP was dialling. Far past any ringing
   * timeout, the call is failed with the reason, so it does not stay `ringing` for ever.
   */
  async failUnansweredOutbound(olderThanMs = UNANSWERED_OUTBOUND_AFTER_MS): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM calls WHERE direction = 'outbound' AND status IN ('created', 'ringing')
       AND created_at < now() - make_interval(secs => $1::double precision / 1000) ORDER BY created_at LIMIT 100`,
      [olderThanMs],
    );
    let failed = 0;
    for (const { id } of rows) {
      const moved = await this.move(id, 'failed', {
        endReason: 'error',
        failureReason: `no answer and no status from the provider within ${Math.round(olderThanMs / 60_000)} minutes of dialling: check that the provider reaches the webhook receiver (WEBHOOKS_PUBLIC_URL)`,
      });
      if (moved) failed += 1;
    }
    return failed;
  }

  /** Announces the transcript of calls whose agent never said it was complete (it crashed, or never joined). */
  async announceOverdueTranscripts(graceMs = TRANSCRIPT_GRACE_MS): Promise<number> {
    let announced = 0;
    for (const id of await overdueTranscripts(this.pool, graceMs)) {
      const done = await inTransaction(this.pool, async (client) => {
        const call = await findCall(client, id, { lock: true });
        return call ? (await announceTranscript(client, call)) !== call : false;
      });
      if (done) announced += 1;
    }
    if (announced > 0) this.options.nudge?.();
    return announced;
  }

  /** Retries what an outage left undone: rooms and dispatches of live phone calls through the bridge. */
  async reconcile(): Promise<number> {
    await this.failAbandoned();
    await this.failUnansweredOutbound();
    await this.announceOverdueTranscripts();
    if (!this.options.livekit) return 0;
    const { rows } = await this.pool.query<CallRow>(
      `SELECT ${CALL_COLUMNS} FROM calls WHERE channel = 'phone' AND dispatch_id IS NULL AND status IN ('ringing', 'in_progress')
       AND created_at > now() - interval '4 hours' ORDER BY created_at LIMIT 50`,
    );
    let done = 0;
    for (const call of rows) {
      const numberMode = await this.pool.query<{ mode: string }>(
        'SELECT mode FROM phone_numbers WHERE provider = $1 AND number = $2',
        [call.provider, call.to_number],
      );
      if (numberMode.rows[0]?.mode === 'sip' && !call.room_name.startsWith(SIP_ROOM_PREFIX)) continue;
      await this.prepareRoom(call);
      if ((await findCall(this.pool, call.id))?.dispatch_id) done += 1;
    }
    return done;
  }
}
