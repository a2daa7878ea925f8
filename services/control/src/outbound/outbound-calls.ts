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
    const { number, agent, blocked } = await this.lookUp(spaceId, input.from, input.agentId, to);
    if (blocked) throw unprocessable(`${to} is on this space's do-not-call list`, 'to');
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
    // The variables and the call's first note in one round trip (the dialler places hundreds a second).
    await this.ctx.pool.query(
      `WITH v AS (INSERT INTO call_variables (call_id, variables) VALUES ($1, $2))
       INSERT INTO call_events (call_id, kind, detail) VALUES ($1, 'provider', $3)`,
      [callId, variables, `outbound ${number.provider} call from ${number.number} to ${to} (${number.mode})`],
    );

    const livekit = this.ctx.livekit!;
    let dispatchId = '';
    try {
      await livekit.gateway.ensureRoom(roomName);
      // The call record was created just now (a second place with its id is the 409 above), so its room has no dispatch yet.
      const dispatch = await livekit.gateway.ensureAgentDispatch(
        roomName,
        { callId, agentId: input.agentId, spaceId, channel: 'phone' },
        { roomIsNew: true },
      );
      dispatchId = dispatch.id;
      if (dial.kind !== 'twilio') {
        await this.ctx.pool.query('UPDATE calls SET dispatch_id = $2 WHERE id = $1', [callId, dispatch.id]);
      }
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
        // Not a status move (nothing to announce): the provider's id and the dispatch, in one update.
        const { rows } = await this.ctx.pool.query<CallRow>(
          `UPDATE calls SET provider_call_id = $2, dispatch_id = $3 WHERE id = $1 RETURNING ${CALL_COLUMNS}`,
          [callId, created.sid, dispatchId],
        );
        return rows[0]!;
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

  /** The number, the agent and whether `to` is on the do-not-call list, in one query. */
  private async lookUp(
    spaceId: string,
    numberId: string,
    agentId: string,
    to: string,
  ): Promise<{ number: NumberRow; agent: AgentInput; blocked: boolean }> {
    const { rows } = await this.ctx.pool.query<
      Partial<NumberRow> & { agent_config: unknown; blocked: boolean; number_found: boolean }
    >(
      `SELECT n.id IS NOT NULL AS number_found, n.id, n.provider, n.number, n.mode, n.credential_id,
              a.config AS agent_config,
              EXISTS (SELECT 1 FROM do_not_call d WHERE d.space_id = $1 AND d.number = $4) AS blocked
       FROM (SELECT 1) AS one
       LEFT JOIN phone_numbers n ON n.space_id = $1 AND n.id = $2
       LEFT JOIN agents a ON a.space_id = $1 AND a.id = $3`,
      [spaceId, numberId, agentId, to],
    );
    const row = rows[0]!;
    if (!row.number_found) throw unprocessable(`this space has no phone number ${numberId}`, 'from');
    if (!row.agent_config) throw unprocessable(`this space has no agent ${agentId}`, 'agentId');
    const { agent_config, blocked, number_found: _, ...number } = row;
    return { number: number as NumberRow, agent: AgentInput.parse(agent_config), blocked };
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
    const account = await this.twilioAccount(spaceId, number.credential_id);
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
    return this.twilioAccount(spaceId, rows[0]?.credential_id ?? null);
  }

  private async twilioAccount(spaceId: string, credentialId: string | null): Promise<TwilioAccount | undefined> {
    if (!credentialId) return undefined;
    const credential = await resolveCredential(this.ctx, this.ctx.pool, spaceId, credentialId);
    const accountSid = credential?.settings.accountSid;
    if (credential?.kind !== 'twilio' || !accountSid) return undefined;
    return { accountSid, authToken: credential.secret };
  }
}
