import { randomUUID } from 'node:crypto';
import {
  AgentInput,
  type CallVariables,
  missingVariables,
  type OutboundCallInput,
  PHONE_NUMBER_VARIABLE,
} from '@speaknode/contracts';
import { signStreamToken } from '@speaknode/contracts/node';
import { inTransaction } from '@speaknode/runtime/db';
import { HttpProblem } from '@speaknode/runtime/problem';
import twilio from 'twilio';
import { CALL_COLUMNS, type CallRow, findCall, noteOnCall } from '../calls/call-store.ts';
import { type CallMove, moveCall } from '../calls/call-transitions.ts';
import type { ControlContext } from '../context.ts';
import { roomNameForCall } from '../livekit/participant-token.ts';
import { resolveCredential } from '../resources/credentials.ts';
import { dialableE164 } from './called-number.ts';
import { isOnDoNotCallList } from './do-not-call.ts';
import { SipCalls } from './sip-calls.ts';
import { type TwilioAccount, TwilioCalls, TwilioRefusal } from './twilio-calls.ts';
import { type VoximplantAccount, VoximplantCalls, VoximplantRefusal } from './voximplant-calls.ts';

interface NumberRow {
  id: string;
  provider: 'twilio' | 'voximplant';
  number: string;
  mode: 'sip' | 'stream';
  credential_id: string | null;
}

/** Twilio's `AnsweredBy` values that mean a machine took the call (answering-machine detection). */
const MACHINE_ANSWERS = new Set([
  'machine_start',
  'machine_end_beep',
  'machine_end_silence',
  'machine_end_other',
  'fax',
]);

function unprocessable(detail: string, path: string): HttpProblem {
  return new HttpProblem(422, 'Unprocessable Content', detail, { errors: [{ path, message: detail }] });
}

/**
 * Outbound calls: `place()` checks the request (number, agent, do-not-call list, variables), creates
 * the call record (direction `outbound`), prepares its room and agent dispatch, and asks the
 * number's provider to dial. From there the call is like any other: the provider's status callbacks
 * and LiveKit's webhooks move it through `moveCall`.
 */
export class OutboundCalls {
  private readonly twilio: TwilioCalls;
  private readonly voximplant: VoximplantCalls;
  private readonly sip: SipCalls | null;
  /** SIP dials waiting for an answer (tests wait for them; nothing else needs them). */
  readonly dialling = new Set<Promise<void>>();

  constructor(private readonly ctx: ControlContext) {
    this.twilio = new TwilioCalls(ctx.config.TWILIO_API_URL);
    this.voximplant = new VoximplantCalls(ctx.config.VOXIMPLANT_API_URL);
    this.sip = ctx.livekit ? new SipCalls(ctx.livekit.gateway.url, ctx.livekit.credentials) : null;
  }

  /**
   * `options.callId` (campaigns) is the call's id, chosen before: a call with that id exists at
   * most once, so a second `place` with it is a 409 and dials nobody.
   */
  async place(spaceId: string, input: OutboundCallInput, options: { callId?: string } = {}): Promise<CallRow> {
    const to = dialableE164(input.to);
    if (!to) {
      throw unprocessable(`${input.to} is not a valid phone number in international form (+ and country code)`, 'to');
    }
    const number = await this.numberOf(spaceId, input.from);
    const agent = await this.agentOf(spaceId, input.agentId);
    if (await isOnDoNotCallList(this.ctx.pool, spaceId, to)) {
      throw unprocessable(`${to} is on this space's do-not-call list`, 'to');
    }
    const variables: CallVariables = { [PHONE_NUMBER_VARIABLE]: to, ...input.variables };
    const missing = missingVariables(variables, agent.prompt, agent.greeting);
    if (missing.length > 0) {
      throw unprocessable(
        `the agent's prompt or greeting uses ${missing.map((m) => `{{${m}}}`).join(', ')} but variables has no value for ${missing.length === 1 ? 'it' : 'them'}`,
        'variables',
      );
    }
    const dial = await this.dialPlan(spaceId, number, input);

    const callId = options.callId ?? randomUUID();
    const roomName = roomNameForCall(callId);
    const inserted = await this.ctx.callInserter.insert({
      id: callId,
      spaceId,
      agentId: input.agentId,
      channel: 'phone',
      transport: 'voice',
      status: 'created',
      roomName,
      provider: number.provider,
      fromNumber: number.number,
      toNumber: to,
      direction: 'outbound',
    });
    if (!inserted.created) {
      throw new HttpProblem(409, 'Conflict', `the call ${callId} exists already; it is not dialled again`, { callId });
    }
    await this.ctx.pool.query('INSERT INTO call_variables (call_id, variables) VALUES ($1, $2)', [callId, variables]);
    await noteOnCall(
      this.ctx.pool,
      callId,
      'provider',
      `outbound ${number.provider} call from ${number.number} to ${to} (${number.mode})`,
    );

    const livekit = this.ctx.livekit!;
    try {
      await livekit.gateway.ensureRoom(roomName);
      const dispatch = await livekit.gateway.ensureAgentDispatch(roomName, {
        callId,
        agentId: input.agentId,
        spaceId,
        channel: 'phone',
      });
      await this.ctx.pool.query('UPDATE calls SET dispatch_id = $2 WHERE id = $1', [callId, dispatch.id]);
    } catch (error) {
      const reason = `LiveKit could not prepare the call's room, so nobody was dialled: ${(error as Error).message}`;
      await this.move(callId, { to: 'failed', endReason: 'error', failureReason: reason });
      throw new HttpProblem(503, 'Service Unavailable', reason, { callId });
    }

    if (dial.kind === 'twilio') {
      try {
        const created = await this.twilio.create(dial.account, {
          from: number.number,
          to,
          twiml: this.streamTwiml(callId, spaceId, input.agentId, number.id),
          statusCallback: `${this.webhooksUrl}/twilio/status`,
          ...(input.answeringMachineDetection ? { answeringMachineCallback: `${this.webhooksUrl}/twilio/amd` } : {}),
        });
        await this.move(callId, { providerCallId: created.sid });
      } catch (error) {
        const refusal = error instanceof TwilioRefusal ? error : new TwilioRefusal(0, undefined, String(error));
        const reason = `Twilio refused the call${refusal.code ? ` (error ${refusal.code})` : ''}: ${refusal.message}`;
        await this.move(callId, { to: 'failed', endReason: 'provider_error', failureReason: reason });
        throw new HttpProblem(502, 'Bad Gateway', reason, { callId });
      }
    } else if (dial.kind === 'voximplant') {
      // The scenario reports the call under our id, so the call's provider id is ours too.
      const secret = this.ctx.config.SPEAKNODE_STREAM_SECRET;
      const customData = JSON.stringify({
        o: 1,
        c: callId,
        ...(secret ? { t: signStreamToken(secret, callId) } : {}),
        to,
        from: number.number,
      });
      try {
        await this.voximplant.startScenario(dial.account, customData);
        await this.move(callId, { to: 'ringing', providerCallId: callId });
      } catch (error) {
        const refusal = error instanceof VoximplantRefusal ? error : new VoximplantRefusal(undefined, String(error));
        const reason = `VoxImplant refused to start the scenario${refusal.code ? ` (error ${refusal.code})` : ''}: ${refusal.message}`;
        await this.move(callId, { to: 'failed', endReason: 'provider_error', failureReason: reason });
        throw new HttpProblem(502, 'Bad Gateway', reason, { callId });
      }
    } else {
      await this.move(callId, { to: 'ringing' });
      const dialling = this.dialSip(callId, dial.trunkId, number.number, to, roomName).finally(() =>
        this.dialling.delete(dialling),
      );
      this.dialling.add(dialling);
    }
    return (await findCall(this.ctx.pool, callId)) as CallRow;
  }

  /**
   * Twilio's asynchronous answering-machine detection result (`twilio.callback`, kind `amd`): a
   * machine ends the call with end reason `voicemail` and Twilio is told to hang up.
   */
  async onTwilioCallback(data: { kind?: string; callSid?: string; params?: Record<string, string> }): Promise<void> {
    if (data.kind !== 'amd' || !data.callSid) return;
    const answeredBy = data.params?.AnsweredBy ?? '';
    const { rows } = await this.ctx.pool.query<CallRow>(
      `SELECT ${CALL_COLUMNS} FROM calls WHERE provider = 'twilio' AND provider_call_id = $1 AND direction = 'outbound'`,
      [data.callSid],
    );
    const call = rows[0];
    if (!call) return;
    await noteOnCall(
      this.ctx.pool,
      call.id,
      'provider',
      `Twilio answering-machine detection: ${answeredBy || 'no result'}`,
    );
    if (!MACHINE_ANSWERS.has(answeredBy)) return;
    await this.move(call.id, { to: 'ended', endReason: 'voicemail' });
    const account = await this.twilioAccountOfNumber(call.space_id, call.from_number);
    if (!account) return;
    await this.twilio
      .hangUp(account, data.callSid)
      .catch((error: Error) =>
        noteOnCall(
          this.ctx.pool,
          call.id,
          'provider_error',
          `could not hang up on the answering machine: ${error.message}`,
        ),
      );
  }

  private get webhooksUrl(): string {
    return this.ctx.config.WEBHOOKS_PUBLIC_URL.replace(/\/+$/, '');
  }

  /** `<Connect><Stream>` to the media bridge with the call id and its signed stream token, as for inbound calls. */
  private streamTwiml(callId: string, spaceId: string, agentId: string, phoneNumberId: string): string {
    const response = new twilio.twiml.VoiceResponse();
    const stream = response
      .connect()
      .stream({ url: `${this.ctx.config.BRIDGE_PUBLIC_URL.replace(/\/+$/, '')}/twilio` });
    const secret = this.ctx.config.SPEAKNODE_STREAM_SECRET;
    const parameters: Record<string, string> = {
      callId,
      ...(secret ? { streamToken: signStreamToken(secret, callId) } : {}),
      agentId,
      spaceId,
      phoneNumberId,
    };
    for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
    return response.toString();
  }

  private async dialSip(callId: string, trunkId: string, from: string, to: string, roomName: string): Promise<void> {
    const outcome = await this.sip!.dial({ trunkId, from, to, roomName, callId });
    try {
      if (outcome.answered) {
        await this.move(callId, { to: 'in_progress', providerCallId: outcome.sipCallId || null });
      } else {
        await this.move(callId, { to: 'failed', endReason: outcome.endReason, failureReason: outcome.failureReason });
      }
    } catch (error) {
      this.ctx.log.error('could not record the outcome of a SIP dial', { callId, error: String(error) });
    }
  }

  private async move(callId: string, move: CallMove): Promise<void> {
    await inTransaction(this.ctx.pool, (client) => moveCall(client, callId, move));
    this.ctx.relay.nudge();
  }

  private async numberOf(spaceId: string, id: string): Promise<NumberRow> {
    const { rows } = await this.ctx.pool.query<NumberRow>(
      'SELECT id, provider, number, mode, credential_id FROM phone_numbers WHERE space_id = $1 AND id = $2',
      [spaceId, id],
    );
    if (!rows[0]) throw unprocessable(`this space has no phone number ${id}`, 'from');
    return rows[0];
  }

  private async agentOf(spaceId: string, id: string): Promise<AgentInput> {
    const { rows } = await this.ctx.pool.query<{ config: unknown }>(
      'SELECT config FROM agents WHERE space_id = $1 AND id = $2',
      [spaceId, id],
    );
    if (!rows[0]) throw unprocessable(`this space has no agent ${id}`, 'agentId');
    return AgentInput.parse(rows[0].config);
  }

  /** What dialling from `number` needs, checked before any record is made: a clear refusal names what to configure. */
  private async dialPlan(
    spaceId: string,
    number: NumberRow,
    input: OutboundCallInput,
  ): Promise<
    | { kind: 'twilio'; account: TwilioAccount }
    | { kind: 'sip'; trunkId: string }
    | { kind: 'voximplant'; account: VoximplantAccount }
  > {
    if (!this.ctx.livekit) {
      throw HttpProblem.unavailable(
        'outbound calls need a LiveKit server for the agent: set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET',
      );
    }
    if (number.provider === 'voximplant') {
      if (input.answeringMachineDetection) {
        throw unprocessable(
          'answering-machine detection is only available on Twilio stream-mode numbers',
          'answeringMachineDetection',
        );
      }
      const credential = number.credential_id
        ? await resolveCredential(this.ctx, this.ctx.pool, spaceId, number.credential_id)
        : undefined;
      const { accountId, ruleId } = credential?.settings ?? {};
      if (credential?.kind !== 'voximplant' || !accountId || !ruleId) {
        throw unprocessable(
          `the number ${number.number} needs a VoxImplant credential (kind voximplant: the API key as secret, settings.accountId and settings.ruleId of the rule running Speaknode's scenario) to place calls`,
          'from',
        );
      }
      return { kind: 'voximplant', account: { accountId, ruleId, apiKey: credential.secret } };
    }
    if (number.mode === 'sip') {
      if (input.answeringMachineDetection) {
        throw unprocessable(
          'answering-machine detection is only available on Twilio stream-mode numbers',
          'answeringMachineDetection',
        );
      }
      const trunkId = this.ctx.config.LIVEKIT_SIP_OUTBOUND_TRUNK_ID;
      if (!trunkId) {
        throw HttpProblem.unavailable(
          'calls from sip-mode numbers go out through a LiveKit SIP outbound trunk: set LIVEKIT_SIP_OUTBOUND_TRUNK_ID',
        );
      }
      return { kind: 'sip', trunkId };
    }
    const account = await this.twilioAccountOfNumber(spaceId, number.number);
    if (!account) {
      throw unprocessable(
        `the number ${number.number} needs a Twilio credential (kind twilio: the auth token as secret, settings.accountSid) to place calls`,
        'from',
      );
    }
    return { kind: 'twilio', account };
  }

  private async twilioAccountOfNumber(spaceId: string, number: string | null): Promise<TwilioAccount | undefined> {
    const { rows } = await this.ctx.pool.query<{ credential_id: string | null }>(
      `SELECT credential_id FROM phone_numbers WHERE space_id = $1 AND provider = 'twilio' AND number = $2`,
      [spaceId, number],
    );
    const credentialId = rows[0]?.credential_id;
    if (!credentialId) return undefined;
    const credential = await resolveCredential(this.ctx, this.ctx.pool, spaceId, credentialId);
    const accountSid = credential?.settings.accountSid;
    if (credential?.kind !== 'twilio' || !accountSid) return undefined;
    return { accountSid, authToken: credential.secret };
  }
}
