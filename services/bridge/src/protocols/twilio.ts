import { Id } from '@speaknode/contracts';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { MediaFormat } from '../audio/media-format.ts';
import { CloseCode, type LegDeps, PhoneLeg, payloadProblem } from '../leg.ts';
import { decodeBase64, ProviderSession, type SocketLimits } from './session.ts';

/**
 * Twilio Media Streams, bidirectional (`<Connect><Stream>`): Twilio sends `connected`, `start`,
 * `media`, `dtmf`, `mark` and `stop`; the bridge sends `media`, `mark` and `clear`. Audio is
 * base64 mu-law at 8 kHz both ways. The call id arrives as the TwiML `<Parameter name="callId">`.
 */
export const TWILIO_FORMAT: MediaFormat = { codec: 'mulaw', sampleRate: 8000 };

/** The `<Parameter>` names the bridge reads from `start.customParameters`. */
/** What a stream's `customParameters` carry: the call, and the token the webhook receiver issued for it. */
export const StreamParameters = z.object({
  callId: Id,
  streamToken: z.string().max(200).optional(),
});

const TwilioStart = z.object({
  event: z.literal('start'),
  sequenceNumber: z.string().optional(),
  streamSid: z.string().min(1).max(64).optional(),
  start: z.object({
    streamSid: z.string().min(1).max(64),
    accountSid: z.string().max(64).optional(),
    callSid: z.string().max(64).optional(),
    tracks: z.array(z.string()).optional(),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }).optional(),
  }),
});

const DTMF_DIGIT = /^[0-9*#A-D]$/;

export class TwilioSession extends ProviderSession {
  private leg: PhoneLeg | undefined;
  private streamSid = '';

  constructor(socket: WebSocket, deps: LegDeps, limits?: SocketLimits) {
    super('twilio', socket, deps, limits);
  }

  protected hasStarted(): boolean {
    return this.leg !== undefined;
  }

  protected onMessage(message: Record<string, unknown>): void {
    switch (message.event) {
      case 'media': {
        this.onMedia(message.media);
        return;
      }
      case 'mark': {
        const name = (message.mark as { name?: unknown } | undefined)?.name;
        if (!this.leg) {
          this.reject('media_before_start');
          return;
        }
        if (typeof name !== 'string' || !this.leg.markPlayed(name)) this.reject('unknown_mark');
        return;
      }
      case 'dtmf': {
        const digit = (message.dtmf as { digit?: unknown } | undefined)?.digit;
        if (!this.leg) {
          this.reject('media_before_start');
          return;
        }
        if (typeof digit !== 'string' || !DTMF_DIGIT.test(digit)) {
          this.invalidInput('bad_dtmf');
          return;
        }
        this.leg.dtmf(digit);
        return;
      }
      case 'connected':
        return;
      case 'start': {
        this.onStart(message);
        return;
      }
      case 'stop':
        // Before `start` there is no stream to stop: ignored and counted like other early messages.
        if (!this.leg) {
          this.reject('media_before_start');
          return;
        }
        this.leg.end('caller_hangup', CloseCode.normal, 'stream stopped', false);
        this.close(CloseCode.normal, 'stream stopped');
        return;
      default:
        if (typeof message.event !== 'string') {
          this.invalidInput('invalid_message');
          return;
        }
        this.reject('unknown_event');
    }
  }

  private onStart(message: Record<string, unknown>): void {
    if (this.leg) {
      this.reject('second_start');
      this.close(CloseCode.policyViolation, 'a second start on one stream');
      return;
    }
    const parsed = TwilioStart.safeParse(message);
    if (!parsed.success) {
      this.reject('invalid_message');
      this.close(CloseCode.policyViolation, 'start message does not match the Media Streams protocol');
      return;
    }
    const { start } = parsed.data;
    const format = start.mediaFormat;
    if (format && (format.encoding !== 'audio/x-mulaw' || format.sampleRate !== 8000 || format.channels !== 1)) {
      this.close(CloseCode.unsupportedData, `unsupported media format ${format.encoding} ${format.sampleRate} Hz`);
      return;
    }
    const parameters = StreamParameters.safeParse(start.customParameters);
    if (!parameters.success) {
      this.reject('invalid_message');
      this.close(CloseCode.policyViolation, 'start has no valid callId parameter');
      return;
    }
    if (!this.authorised(parameters.data)) return;
    this.streamSid = start.streamSid;
    const quotedSid = JSON.stringify(start.streamSid);
    const leg = new PhoneLeg(
      'twilio',
      parameters.data.callId,
      TWILIO_FORMAT,
      {
        // Built by hand: this runs 50 times a second per call, and JSON.stringify of the object costs several times more.
        sendMedia: (payload) =>
          this.sendText(
            `{"event":"media","streamSid":${quotedSid},"media":{"payload":"${Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('base64')}"}}`,
          ),
        sendMark: (name) => this.send({ event: 'mark', streamSid: this.streamSid, mark: { name } }),
        sendClear: () => this.send({ event: 'clear', streamSid: this.streamSid }),
        hangUp: (code, reason) => this.close(code, reason),
      },
      this.deps,
    );
    this.leg = leg;
    void leg.begin();
  }

  private onMedia(media: unknown): void {
    const leg = this.leg;
    if (!leg) {
      this.reject('media_before_start');
      return;
    }
    const { payload, track } = (media ?? {}) as { payload?: unknown; track?: unknown };
    if (typeof payload !== 'string') {
      this.invalidInput('invalid_message');
      return;
    }
    // A bidirectional stream carries only the caller's (inbound) track.
    if (track !== undefined && track !== 'inbound') {
      this.reject('invalid_message');
      return;
    }
    const bytes = decodeBase64(payload);
    if (!bytes) {
      this.invalidInput('bad_base64');
      return;
    }
    if (payloadProblem(TWILIO_FORMAT, bytes.length)) {
      this.invalidInput('bad_payload_size');
      return;
    }
    leg.media(bytes);
  }

  protected onSocketClosed(): void {
    this.leg?.end(this.closeOutcome, CloseCode.normal, 'socket closed', false);
  }
}
