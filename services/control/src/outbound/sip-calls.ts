import type { CallEndReason } from '@speaknode/contracts';
import { SipCallError, SipClient } from 'livekit-server-sdk';
import type { LivekitCredentials } from '../livekit/participant-token.ts';

export interface SipOutboundCall {
  trunkId: string;
  from: string;
  to: string;
  roomName: string;
  callId: string;
  ringingTimeoutSeconds?: number;
}

/** How a SIP dial ended, in a call's terms. */
export type SipDialOutcome =
  | { answered: true; sipCallId: string }
  | { answered: false; endReason: CallEndReason; failureReason: string };

/** SIP response codes (RFC 3261) that mean the person did not take the call, as opposed to a fault. */
const BUSY = new Set([486, 600]);
const NO_ANSWER = new Set([408, 480, 487, 603]);

/**
 * LiveKit SIP outbound (`CreateSIPParticipant` through livekit-server-sdk): LiveKit dials `to`
 * through an outbound trunk and puts the callee into the call's room as a SIP participant. With
 * `waitUntilAnswered` the request returns when the callee answers, or fails with the SIP status
 * (486 busy, 480/408 no answer), which becomes the call's end reason.
 */
export class SipCalls {
  private readonly sip: SipClient;

  constructor(url: string, credentials: LivekitCredentials) {
    this.sip = new SipClient(url, credentials.apiKey, credentials.apiSecret, { failover: false });
  }

  async dial(call: SipOutboundCall): Promise<SipDialOutcome> {
    try {
      const participant = await this.sip.createSipParticipant(call.trunkId, call.to, call.roomName, {
        fromNumber: call.from,
        participantIdentity: `callee-${call.callId}`,
        participantAttributes: { 'speaknode.callId': call.callId },
        ringingTimeout: call.ringingTimeoutSeconds ?? 45,
        waitUntilAnswered: true,
      });
      return { answered: true, sipCallId: participant.sipCallId };
    } catch (error) {
      if (error instanceof SipCallError && error.sipStatusCode !== undefined) {
        const code = error.sipStatusCode;
        const endReason: CallEndReason = BUSY.has(code) ? 'busy' : NO_ANSWER.has(code) ? 'no_answer' : 'provider_error';
        return { answered: false, endReason, failureReason: `LiveKit SIP: ${error.message}` };
      }
      return {
        answered: false,
        endReason: 'provider_error',
        failureReason: `LiveKit SIP could not place the call: ${(error as Error).message}`,
      };
    }
  }
}
