import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { MediaFormat } from '../audio/media-format.ts';
import { CloseCode, type LegDeps, PhoneLeg, payloadProblem } from '../leg.ts';
import { decodeBase64, ProviderSession, type SocketLimits } from './session.ts';
import { StreamParameters } from './twilio.ts';

/**
 * VoxImplant's WebSocket media format (`Voximplant.WebSocketFormat`, JSON): a stream is `start`
 * (with `mediaFormat` and optional `tag` and `customParameters`), `media` (base64 `payload`,
 * `chunk`, `timestamp`), `stop`. Several streams may share one socket, told apart by `tag`; each
 * is its own phone leg with its own call id. The bridge answers each stream with a stream of its
 * own under the same tag, so the scenario routes it with `webSocket.sendMediaTo(call, { tag })`.
 *
 * Encodings (`WebSocketAudioEncoding`): `PCM8` (16-bit linear, 8 kHz), `PCM16` (16-bit linear,
 * `sampleRate` 8000 or 16000, 16000 when absent), `ULAW` and `ALAW` (8 kHz); the `audio/x-mulaw` and
 * `audio/x-alaw` spellings are accepted too. PCM is little-endian.
 *
 * VoxImplant has no `clear` message: on barge-in the bridge sends the custom message
 * `{"customEvent":"clear","tag":…}`, for the scenario to call `webSocket.clearMediaBuffer()`; the
 * bridge also never queues more than `BRIDGE_MAX_QUEUED_MS` ahead, so the cut is that quick even
 * without it. DTMF is not part of the media format either: a scenario forwards `ToneReceived` as
 * `{"customEvent":"dtmf","digit":"5","tag":…}`.
 */

/** At most this many concurrent streams on one socket. */
export const MAX_STREAMS_PER_SOCKET = 4;

const VoxStart = z.object({
  event: z.literal('start'),
  sequenceNumber: z.union([z.number(), z.string()]).optional(),
  start: z.object({
    tag: z.string().max(64).optional(),
    mediaFormat: z.object({
      encoding: z.string(),
      sampleRate: z.union([z.number(), z.string()]).optional(),
    }),
    // A JSON string in VoxImplant's own examples; an object is accepted too.
    customParameters: z.union([z.string().max(4096), z.record(z.string(), z.string())]).optional(),
  }),
});

/** The stream's media format, or why it is not supported. */
export function voxFormat(encoding: string, sampleRate: number | undefined): MediaFormat | string {
  switch (encoding.toUpperCase()) {
    case 'PCM8':
      return sampleRate === undefined || sampleRate === 8000
        ? { codec: 'pcm16', sampleRate: 8000 }
        : `PCM8 at ${sampleRate} Hz`;
    case 'PCM16':
      if (sampleRate === undefined || sampleRate === 16000) return { codec: 'pcm16', sampleRate: 16000 };
      return sampleRate === 8000 ? { codec: 'pcm16', sampleRate: 8000 } : `PCM16 at ${sampleRate} Hz`;
    case 'ULAW':
    case 'AUDIO/X-MULAW':
      return sampleRate === undefined || sampleRate === 8000
        ? { codec: 'mulaw', sampleRate: 8000 }
        : `mu-law at ${sampleRate} Hz`;
    case 'ALAW':
    case 'AUDIO/X-ALAW':
      return sampleRate === undefined || sampleRate === 8000
        ? { codec: 'alaw', sampleRate: 8000 }
        : `A-law at ${sampleRate} Hz`;
    default:
      return `encoding ${encoding.slice(0, 40)}`;
  }
}

function encodingName(format: MediaFormat): string {
  if (format.codec === 'mulaw') return 'ULAW';
  if (format.codec === 'alaw') return 'ALAW';
  return format.sampleRate === 8000 ? 'PCM8' : 'PCM16';
}

interface VoxStream {
  tag: string | undefined;
  /** `"tag":"…",` as JSON, or empty. */
  tagField: string;
  leg: PhoneLeg;
  format: MediaFormat;
  startedOut: boolean;
  chunk: number;
  samplesOut: number;
  bytesOut: number;
}

const DTMF_DIGIT = /^[0-9*#A-D]$/;

export class VoxImplantSession extends ProviderSession {
  private readonly streams = new Map<string, VoxStream>();
  private started = false;
  private sequenceNumber = 0;

  constructor(socket: WebSocket, deps: LegDeps, limits?: SocketLimits) {
    super('voximplant', socket, deps, limits);
  }

  protected hasStarted(): boolean {
    return this.started;
  }

  private tagOf(section: unknown, message: Record<string, unknown>): string {
    const tag = (section as { tag?: unknown } | undefined)?.tag ?? message.tag;
    return typeof tag === 'string' ? tag : '';
  }

  protected onMessage(message: Record<string, unknown>): void {
    if (message.event === undefined && typeof message.customEvent === 'string') {
      this.onCustom(message);
      return;
    }
    switch (message.event) {
      case 'media': {
        const stream = this.streams.get(this.tagOf(message.media, message));
        if (!stream) {
          this.reject('media_before_start');
          return;
        }
        const payload = (message.media as { payload?: unknown } | undefined)?.payload;
        if (typeof payload !== 'string') {
          this.invalidInput('invalid_message');
          return;
        }
        const bytes = decodeBase64(payload);
        if (!bytes) {
          this.invalidInput('bad_base64');
          return;
        }
        if (payloadProblem(stream.format, bytes.length)) {
          this.invalidInput('bad_payload_size');
          return;
        }
        stream.leg.media(bytes);
        return;
      }
      case 'start': {
        this.onStart(message);
        return;
      }
      case 'stop': {
        const tag = this.tagOf(message.stop, message);
        const stream = this.streams.get(tag);
        if (!stream) {
          this.reject('media_before_start');
          return;
        }
        stream.leg.end('caller_hangup', CloseCode.normal, 'stream stopped', false);
        this.streams.delete(tag);
        this.stopOutbound(stream);
        if (this.streams.size === 0) this.close(CloseCode.normal, 'all streams stopped');
        return;
      }
      default:
        if (typeof message.event !== 'string') {
          this.invalidInput('invalid_message');
          return;
        }
        this.reject('unknown_event');
    }
  }

  private onCustom(message: Record<string, unknown>): void {
    if (message.customEvent !== 'dtmf') {
      this.reject('unknown_event');
      return;
    }
    const stream = this.streams.get(typeof message.tag === 'string' ? message.tag : '');
    if (!stream) {
      this.reject('media_before_start');
      return;
    }
    const digit = message.digit;
    if (typeof digit !== 'string' || !DTMF_DIGIT.test(digit)) {
      this.invalidInput('bad_dtmf');
      return;
    }
    stream.leg.dtmf(digit);
  }

  private onStart(message: Record<string, unknown>): void {
    const parsed = VoxStart.safeParse(message);
    if (!parsed.success) {
      this.reject('invalid_message');
      this.close(CloseCode.policyViolation, 'start message does not match the VoxImplant media format');
      return;
    }
    const { start } = parsed.data;
    const key = start.tag ?? '';
    if (this.streams.has(key)) {
      this.reject('second_start');
      this.close(CloseCode.policyViolation, `a second start for stream "${key}" while it is running`);
      return;
    }
    if (this.streams.size >= MAX_STREAMS_PER_SOCKET) {
      this.close(CloseCode.policyViolation, `more than ${MAX_STREAMS_PER_SOCKET} streams on one socket`);
      return;
    }
    const rate = start.mediaFormat.sampleRate === undefined ? undefined : Number(start.mediaFormat.sampleRate);
    const format = voxFormat(start.mediaFormat.encoding, rate);
    if (typeof format === 'string') {
      this.close(CloseCode.unsupportedData, `unsupported media format: ${format}`);
      return;
    }
    let custom: unknown = start.customParameters ?? {};
    if (typeof custom === 'string') {
      try {
        custom = JSON.parse(custom);
      } catch {
        custom = undefined;
      }
    }
    const parameters = StreamParameters.safeParse(custom);
    if (!parameters.success) {
      this.reject('invalid_message');
      this.close(CloseCode.policyViolation, 'start has no valid callId in customParameters');
      return;
    }
    if (!this.authorised(parameters.data)) return;
    this.started = true;
    const stream: VoxStream = {
      tag: start.tag,
      tagField: start.tag === undefined ? '' : `"tag":${JSON.stringify(start.tag)},`,
      format,
      startedOut: false,
      chunk: 0,
      samplesOut: 0,
      bytesOut: 0,
      leg: undefined as unknown as PhoneLeg,
    };
    stream.leg = new PhoneLeg(
      'voximplant',
      parameters.data.callId,
      format,
      {
        sendMedia: (payload) => this.sendMedia(stream, payload),
        sendClear: () => this.send({ customEvent: 'clear', ...(stream.tag === undefined ? {} : { tag: stream.tag }) }),
        // The scenario presses the key on the call (`call.sendDigits`).
        sendDtmf: (digit) =>
          this.send({ customEvent: 'sendDtmf', digit, ...(stream.tag === undefined ? {} : { tag: stream.tag }) }),
        hangUp: (code, reason) => this.hangUp(stream, code, reason),
      },
      this.deps,
    );
    this.streams.set(key, stream);
    void stream.leg.begin();
  }

  private sendMedia(stream: VoxStream, payload: Uint8Array): void {
    const tag = stream.tag === undefined ? {} : { tag: stream.tag };
    if (!stream.startedOut) {
      stream.startedOut = true;
      this.send({
        event: 'start',
        sequenceNumber: this.sequenceNumber++,
        start: { ...tag, mediaFormat: { encoding: encodingName(stream.format), sampleRate: stream.format.sampleRate } },
      });
    }
    // Worded by hand around the base64 payload (what JSON.stringify would write, with the tag
    // escaped once per stream): serialising a 16 kHz frame's payload costs more than the audio work.
    this.sendText(
      `{"event":"media","sequenceNumber":${this.sequenceNumber++},"media":{${stream.tagField}"chunk":${stream.chunk++},"timestamp":${stream.samplesOut},"payload":"${Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('base64')}"}}`,
    );
    stream.samplesOut += stream.format.codec === 'pcm16' ? payload.length / 2 : payload.length;
    stream.bytesOut += payload.length;
  }

  /** End the bridge's own stream of agent audio under this stream's tag. */
  private stopOutbound(stream: VoxStream): void {
    if (!stream.startedOut) return;
    stream.startedOut = false;
    this.send({
      event: 'stop',
      sequenceNumber: this.sequenceNumber++,
      stop: {
        ...(stream.tag === undefined ? {} : { tag: stream.tag }),
        mediaInfo: {
          bytesSent: stream.bytesOut,
          duration: Math.round((stream.samplesOut / stream.format.sampleRate) * 1000),
        },
      },
    });
  }

  /** The bridge ends one stream: stop it towards VoxImplant, and close the socket when it was the last. */
  private hangUp(stream: VoxStream, code: number, reason: string): void {
    const key = stream.tag ?? '';
    if (this.streams.get(key) !== stream) return;
    this.streams.delete(key);
    this.stopOutbound(stream);
    if (this.streams.size === 0) {
      this.close(code, reason);
    } else if (code !== CloseCode.normal) {
      // Other streams on this socket carry on; this one's failure is reported in words.
      this.send({ customEvent: 'error', ...(stream.tag === undefined ? {} : { tag: stream.tag }), code, reason });
    }
  }

  protected onSocketClosed(): void {
    for (const stream of this.streams.values())
      stream.leg.end('socket_closed', CloseCode.normal, 'socket closed', false);
    this.streams.clear();
  }
}
