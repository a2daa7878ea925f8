/**
 * Any sample rate to any other, for audio that is not on the telephone/room rates the polyphase
 * resamplers cover (a 22.05 kHz Piper voice, a 44.1 kHz upload to a 16 kHz recogniser).
 * Band-limited interpolation (J. O. Smith's method, the one libsamplerate and sox's `rate` build
 * on): each output sample is a Kaiser-windowed sinc, evaluated at its exact fractional position
 * from a finely sampled table, so one filter serves every ratio. When the rate goes down the
 * filter is stretched to the new Nyquist frequency (anti-aliasing); when it goes up it stops at
 * the old one (no images). It keeps its history between calls: a stream cut into chunks of any
 * size converts as if it were one piece.
 *
 * Plain JavaScript, not WebAssembly: it serves offline and per-utterance work (about 100
 * multiply-adds per output sample), not the bridge's per-frame budget.
 */

/** Zero crossings of the sinc on each side: the filter's half-length at the lower rate. */
const ZERO_CROSSINGS = 16;
/** Table entries per zero crossing; positions between entries are interpolated linearly. */
const TABLE_RESOLUTION = 512;
/** Kaiser β 9 ≈ 90 dB stopband. */
const KAISER_BETA = 9;
/** Pass band as a share of the lower rate's Nyquist frequency; the rest is the transition band. */
const ROLLOFF = 0.92;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 60; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < sum * 1e-14) break;
  }
  return sum;
}

/** The right half of the windowed sinc, sampled TABLE_RESOLUTION times per zero crossing, plus deltas. */
const TABLE = (() => {
  const length = ZERO_CROSSINGS * TABLE_RESOLUTION + 1;
  const values = new Float64Array(length + 1);
  const i0beta = besselI0(KAISER_BETA);
  for (let i = 0; i < length; i++) {
    const x = i / TABLE_RESOLUTION;
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = x / ZERO_CROSSINGS;
    values[i] = sinc * (besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta);
  }
  const deltas = new Float64Array(length);
  for (let i = 0; i < length; i++) deltas[i] = (values[i + 1] as number) - (values[i] as number);
  return { values, deltas };
})();

export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 384_000;

export class RateConverter {
  /** Input samples per output sample. */
  private readonly step: number;
  /** Filter cut-off relative to the input rate's Nyquist frequency (1 = no narrowing). */
  private readonly cutoff: number;
  /** How far, in input samples, the filter reaches on each side. */
  private readonly reach: number;
  private buffer: Float32Array;
  private filled: number;
  /** The next output sample's position in `buffer`, in input samples. */
  private time: number;
  private inputSeen = 0;
  private produced = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    for (const rate of [fromRate, toRate]) {
      if (!Number.isFinite(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
        throw new RangeError(`sample rate ${rate} is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
      }
    }
    this.step = fromRate / toRate;
    this.cutoff = Math.min(1, toRate / fromRate) * ROLLOFF;
    this.reach = ZERO_CROSSINGS / this.cutoff;
    const pad = Math.ceil(this.reach);
    this.buffer = new Float32Array(pad * 2 + 4096);
    // Silence before the first sample, so the first output is centred on it.
    this.filled = pad;
    this.time = pad;
  }

  /** Converts `input`; returns the output samples that are complete so far. */
  process(input: Float32Array): Float32Array {
    this.inputSeen += input.length;
    this.append(input);
    return this.drain(this.filled);
  }

  /** The remaining output (the last samples need silence after them); the converter is then spent. */
  flush(): Float32Array {
    const pad = Math.ceil(this.reach) + 1;
    this.append(new Float32Array(pad));
    const total = Math.round((this.inputSeen * this.toRate) / this.fromRate);
    const out = this.drain(this.filled);
    return out.subarray(0, Math.max(0, Math.min(out.length, total - (this.produced - out.length))));
  }

  private append(input: Float32Array) {
    if (this.filled + input.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.filled + input.length));
      grown.set(this.buffer.subarray(0, this.filled));
      this.buffer = grown;
    }
    this.buffer.set(input, this.filled);
    this.filled += input.length;
  }

  private drain(limit: number): Float32Array {
    const count = Math.max(0, Math.ceil((limit - this.reach - this.time) / this.step));
    const out = new Float32Array(count);
    const { values, deltas } = TABLE;
    const x = this.buffer;
    const scale = this.cutoff * TABLE_RESOLUTION;
    let time = this.time;
    for (let k = 0; k < count; k++) {
      const first = Math.ceil(time - this.reach);
      const last = Math.floor(time + this.reach);
      let sum = 0;
      for (let n = first; n <= last; n++) {
        const position = Math.abs(time - n) * scale;
        const index = Math.floor(position);
        sum += (x[n] as number) * ((values[index] as number) + (position - index) * (deltas[index] as number));
      }
      out[k] = sum * this.cutoff;
      time += this.step;
    }
    this.produced += count;
    // Keep what the next outputs still reach back to.
    const keepFrom = Math.max(0, Math.floor(time - this.reach) - 1);
    if (keepFrom > 0) {
      x.copyWithin(0, keepFrom, this.filled);
      this.filled -= keepFrom;
      time -= keepFrom;
    }
    this.time = time;
    return out;
  }
}

/** A whole signal from `fromRate` to `toRate` (the same array when they are equal). */
export function convertRate(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const converter = new RateConverter(fromRate, toRate);
  const head = converter.process(samples);
  const tail = converter.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
