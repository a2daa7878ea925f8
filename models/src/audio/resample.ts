/**
 * Sample-rate conversion for the models host through the shared audio module (@speaknode/audio):
 * any rate from 1 kHz to 384 kHz converts to any other by band-limited interpolation. Whole
 * utterances go through `resample`; a stream keeps a `RateConverter` so chunk edges leave no trace.
 */
import { convertRate, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '@speaknode/audio';

export class UnsupportedRateError extends Error {
  constructor(readonly rate: number) {
    super(`audio at ${rate} Hz cannot be converted here; send ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
    this.name = 'UnsupportedRateError';
  }
}

/** Throws `UnsupportedRateError` for a rate the converter does not take. */
export function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) throw new UnsupportedRateError(rate);
}

/** Samples in [-1, 1) at `from` Hz → at `to` Hz; the same array when the rates are equal. */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  checkRate(from);
  checkRate(to);
  return convertRate(samples, from, to);
}
