/**
 * Sample-rate conversion for whole utterances through the shared audio module's tested polyphase
 * resamplers (@speaknode/audio, the same filters the media bridge runs): every rate it has filters
 * for (8, 16 and 48 kHz) converts to every other through 48 kHz. Other rates are refused with the
 * list of those it has.
 */
import { Downsampler, ROOM_SAMPLE_RATE, Upsampler } from '@speaknode/audio';

export class UnsupportedRateError extends Error {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly supported: readonly number[],
  ) {
    super(`audio at ${from} Hz cannot be converted to ${to} Hz here; send ${supported.join(', ')} Hz`);
    this.name = 'UnsupportedRateError';
  }
}

export const SUPPORTED_RATES: readonly number[] = [8000, 16_000, ROOM_SAMPLE_RATE];

const SCALE = 32_768;

/** Samples in [-1, 1) at `from` Hz → at `to` Hz; the same array when the rates are equal. */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  if (!SUPPORTED_RATES.includes(from) || !SUPPORTED_RATES.includes(to))
    throw new UnsupportedRateError(from, to, SUPPORTED_RATES);
  // The resamplers work on the 16-bit scale.
  let room: Float32Array | Int16Array;
  if (from === ROOM_SAMPLE_RATE) {
    room = samples.map((v) => v * SCALE);
  } else {
    const up = new Upsampler(from as 8000 | 16_000);
    const out = new Int16Array(samples.length * up.factor);
    up.process(
      samples.map((v) => v * SCALE),
      out,
    );
    room = out;
  }
  let result: Float32Array;
  if (to === ROOM_SAMPLE_RATE) {
    result = Float32Array.from(room);
  } else {
    const down = new Downsampler(to as 8000 | 16_000);
    const out = new Float32Array(Math.ceil(room.length / down.factor) + 1);
    result = out.subarray(0, down.process(room, out));
  }
  return result.map((v) => v / SCALE);
}
