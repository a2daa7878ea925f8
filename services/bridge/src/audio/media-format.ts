import { Downsampler, ROOM_SAMPLE_RATE, Upsampler } from '@speaknode/audio';
import { decodeALaw, decodeMuLaw, encodeALaw, encodeMuLaw } from './g711.ts';

export type Codec = 'mulaw' | 'alaw' | 'pcm16';

/** What a provider stream carries: G.711 at 8 kHz, or 16-bit little-endian linear PCM at 8 or 16 kHz. */
export interface MediaFormat {
  codec: Codec;
  sampleRate: 8000 | 16000;
}

export const FRAME_MS = 20;
/** Samples in one 20 ms frame at the room rate. */
export const ROOM_FRAME_SAMPLES = (ROOM_SAMPLE_RATE * FRAME_MS) / 1000;

export function bytesPerSample(format: MediaFormat): number {
  return format.codec === 'pcm16' ? 2 : 1;
}

/** Payload bytes of `ms` milliseconds of audio in `format`. */
export function bytesFor(format: MediaFormat, ms: number): number {
  return ((format.sampleRate * ms) / 1000) * bytesPerSample(format);
}

export function describeFormat(format: MediaFormat): string {
  return `${format.codec} ${format.sampleRate} Hz`;
}

/**
 * Provider payloads → exact 20 ms frames of 16-bit mono audio at 48 kHz. Payloads may be any whole
 * number of samples; the remainder waits for the next one.
 */
export class InboundAudio {
  private readonly upsampler: Upsampler;
  private decoded = new Float64Array(320);
  private resampled = new Int16Array(ROOM_FRAME_SAMPLES * 6);
  private pending = new Int16Array(ROOM_FRAME_SAMPLES);
  private pendingLength = 0;
  /** Mean square of the last payload (16-bit scale), for the caller-speech detector. */
  lastPower = 0;

  constructor(readonly format: MediaFormat) {
    this.upsampler = new Upsampler(format.sampleRate);
  }

  /** Decode, resample and cut into frames; `emit` receives each complete 960-sample frame. */
  push(payload: Uint8Array, emit: (frame: Int16Array) => void): void {
    const samples = payload.length / bytesPerSample(this.format);
    if (this.decoded.length < samples) this.decoded = new Float64Array(samples);
    const decoded = this.decoded;
    if (this.format.codec === 'mulaw') decodeMuLaw(payload, decoded);
    else if (this.format.codec === 'alaw') decodeALaw(payload, decoded);
    else {
      for (let i = 0, b = 0; i < samples; i++, b += 2) {
        const v = (payload[b] as number) | ((payload[b + 1] as number) << 8);
        decoded[i] = (v << 16) >> 16;
      }
    }
    let power = 0;
    for (let i = 0; i < samples; i++) power += (decoded[i] as number) * (decoded[i] as number);
    this.lastPower = samples > 0 ? power / samples : 0;

    const outLength = samples * this.upsampler.factor;
    if (this.resampled.length < outLength) this.resampled = new Int16Array(outLength);
    const resampled = this.resampled;
    this.upsampler.process(decoded, resampled, samples);

    let read = 0;
    while (read < outLength) {
      const take = Math.min(ROOM_FRAME_SAMPLES - this.pendingLength, outLength - read);
      this.pending.set(resampled.subarray(read, read + take), this.pendingLength);
      this.pendingLength += take;
      read += take;
      if (this.pendingLength === ROOM_FRAME_SAMPLES) {
        // A fresh frame each time: the room may still hold the previous one.
        const frame = this.pending;
        this.pending = new Int16Array(ROOM_FRAME_SAMPLES);
        this.pendingLength = 0;
        emit(frame);
      }
    }
  }
}

/**
 * Room audio (48 kHz, frames of any size) → provider payloads of exactly 20 ms in the provider's
 * format. `reset` drops the partial frame and the filter's history, e.g. when the agent's speech
 * is cut: what follows starts from silence instead of carrying the cut speech's tail (a click).
 */
export class OutboundAudio {
  private readonly downsampler: Downsampler;
  private readonly frameSamples: number;
  private resampled = new Float32Array(1024);
  private pending: Float32Array;
  private pendingLength = 0;

  constructor(readonly format: MediaFormat) {
    this.downsampler = new Downsampler(format.sampleRate);
    this.frameSamples = (format.sampleRate * FRAME_MS) / 1000;
    this.pending = new Float32Array(this.frameSamples);
  }

  get frameBytes(): number {
    return this.frameSamples * bytesPerSample(this.format);
  }

  push(samples: Int16Array, emit: (payload: Uint8Array) => void): void {
    const maxOut = Math.ceil(samples.length / this.downsampler.factor) + 1;
    if (this.resampled.length < maxOut) this.resampled = new Float32Array(maxOut);
    const produced = this.downsampler.process(samples, this.resampled, samples.length);
    let read = 0;
    while (read < produced) {
      const take = Math.min(this.frameSamples - this.pendingLength, produced - read);
      this.pending.set(this.resampled.subarray(read, read + take), this.pendingLength);
      this.pendingLength += take;
      read += take;
      if (this.pendingLength === this.frameSamples) {
        this.pendingLength = 0;
        emit(this.encode(this.pending));
      }
    }
  }

  /** Encode one frame of samples (16-bit scale) into a fresh payload. */
  encode(frame: Float32Array): Uint8Array {
    const n = this.frameSamples;
    if (this.format.codec === 'mulaw') {
      const out = new Uint8Array(n);
      encodeMuLaw(frame, out, n);
      return out;
    }
    if (this.format.codec === 'alaw') {
      const out = new Uint8Array(n);
      encodeALaw(frame, out, n);
      return out;
    }
    const out = new Uint8Array(n * 2);
    for (let i = 0, b = 0; i < n; i++, b += 2) {
      let s = Math.round(frame[i] as number);
      s = s > 32767 ? 32767 : Math.max(s, -32768);
      out[b] = s & 0xff;
      out[b + 1] = (s >> 8) & 0xff;
    }
    return out;
  }

  reset(): void {
    this.pendingLength = 0;
    this.downsampler.reset();
  }
}
