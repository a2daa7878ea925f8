/**
 * Integer-ratio polyphase FIR resamplers between the telephone rates (8 and 16 kHz) and the room
 * rate (48 kHz). On the way up the filters remove the images of the telephone band; on the way
 * down they are the anti-aliasing filters. Band edges put every alias above the telephone band
 * (8 kHz: flat to 3.4 kHz, at least 45 dB down from 4.6 kHz, which folds onto 3.4 kHz; 16 kHz:
 * flat to 7 kHz, down from 9.2 kHz), below G.711's own quantisation noise.
 *
 * 8 kHz goes in two stages (a half-band filter between 8 and 16 kHz, then a short filter between
 * 16 and 48 kHz), which costs less than half of one long filter at 48 kHz. Filters keep their
 * history between calls, so a stream cut into frames of any size resamples exactly as if it were
 * processed in one piece.
 *
 * The filtering runs in WebAssembly SIMD (fir.wat, four single-precision taps per instruction):
 * a 20 ms frame at 16 kHz is about 14,000 multiply-adds each way, which plain JavaScript could not
 * do within the bridge's 10 µs per frame. Single precision keeps the arithmetic noise near
 * −140 dBFS, far below G.711's own quantisation noise.
 */

import { AREA_A, AREA_B, AREA_I16, AREA_OUT, BLOCK, f32, firBank, i16, toInt16, writeRows } from './fir-kernels.ts';
import type { Samples } from './samples.ts';

export const ROOM_SAMPLE_RATE = 48_000;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) * (x / (2 * k));
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** A Kaiser-windowed sinc low-pass of `length` taps with DC gain `gain`. `beta` 4.5 ≈ 50 dB stopband. */
export function designLowPass(length: number, cutoffHz: number, sampleRate: number, beta: number, gain = 1) {
  const taps = new Float64Array(length);
  const fc = cutoffHz / sampleRate;
  const middle = (length - 1) / 2;
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const t = n - middle;
    let sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    // A half-band filter's even offsets are exact zeros; keep them so the stages can skip them.
    if (Math.abs(sinc) < 1e-13) sinc = 0;
    const ratio = t / middle;
    const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - ratio * ratio))) / i0beta;
    taps[n] = sinc * window;
    sum += taps[n] as number;
  }
  for (let n = 0; n < length; n++) taps[n] = ((taps[n] as number) * gain) / sum;
  return taps;
}

export interface StageSpec {
  factor: number;
  /** The rate the filter runs at (the higher of the two). */
  rate: number;
  length: number;
  cutoffHz: number;
  beta: number;
}

/** 8 ↔ 16 kHz: half-band at 16 kHz, flat to 3.4 kHz, stop from 4.6 kHz. */
const HALF_BAND_8K: StageSpec = { factor: 2, rate: 16_000, length: 39, cutoffHz: 4000, beta: 4.5 };
/**
 * 16 ↔ 48 kHz when the telephone band is all that matters: flat to 3.4 kHz, stop from 12.6 kHz
 * (where 16 kHz − 3.4 kHz lies). Cut-off at 8 kHz = 48 kHz / 6 makes it a third-band filter:
 * every third tap is zero and one polyphase branch is a plain delay.
 */
const WIDE_16K_FOR_8K: StageSpec = { factor: 3, rate: 48_000, length: 21, cutoffHz: 8000, beta: 4.5 };
/** 16 ↔ 48 kHz for wideband audio: flat to 7 kHz, stop from 9.2 kHz; third-band as well. */
const WIDEBAND_16K: StageSpec = { factor: 3, rate: 48_000, length: 67, cutoffHz: 8000, beta: 4.5 };

const STAGES: Record<8000 | 16000, StageSpec[]> = {
  // Listed from the telephone rate upwards.
  8000: [HALF_BAND_8K, WIDE_16K_FOR_8K],
  16000: [WIDEBAND_16K],
};

/** An interpolator's taps as polyphase rows for `firBank`: row p computes outputs n·factor + p. */
function interpolatorRows(spec: StageSpec): Float64Array[] {
  const h = designLowPass(spec.length, spec.cutoffHz, spec.rate, spec.beta, spec.factor);
  const perPhase = Math.ceil(spec.length / spec.factor);
  // Output n·factor + p = Σ_k h[p + k·factor] · in[n − k]; the kernel reads the history and the
  // input forwards (x[n + j], the oldest first), so each row holds its taps newest-last.
  return Array.from({ length: spec.factor }, (_, p) =>
    Float64Array.from({ length: perPhase }, (_, j) => h[p + (perPhase - 1 - j) * spec.factor] ?? 0),
  );
}

/** Copies `length` samples from `input[from]` into the kernels' memory at float index `to`. */
function copyIn(input: Samples, from: number, length: number, to: number): void {
  // A typed-array copy converts natively; a loop over a mix of array types would not stay fast.
  f32.set(from === 0 && length === input.length ? input : input.subarray(from, from + length), to);
}

function isSilent(values: ArrayLike<number>, length: number): boolean {
  for (let i = 0; i < length; i++) if (values[i] !== 0) return false;
  return true;
}

/** Where each filter's rows sit in the kernels' memory: written once per process, shared by every leg. */
const rowsCache = new Map<string, number>();

function rowsFor(spec: StageSpec, direction: 'up' | 'down'): number {
  const key = `${direction}:${spec.factor}:${spec.length}:${spec.cutoffHz}:${spec.rate}:${spec.beta}`;
  let at = rowsCache.get(key);
  if (at === undefined) {
    at = writeRows(
      direction === 'up'
        ? interpolatorRows(spec)
        : [designLowPass(spec.length, spec.cutoffHz, spec.rate, spec.beta, 1)],
    );
    rowsCache.set(key, at);
  }
  return at;
}

/** Raises the rate by `factor`. Keeps the last inputs it needs as history between calls. */
class InterpolatorStage {
  readonly factor: number;
  readonly history: Float32Array;
  private readonly rowsAt: number;

  constructor(spec: StageSpec) {
    this.factor = spec.factor;
    this.history = new Float32Array(Math.ceil(spec.length / spec.factor) - 1);
    this.rowsAt = rowsFor(spec, 'up');
  }

  /** Filters `count` inputs at byte address `area` + history; writes `count × factor` outputs at byte address `to`. */
  run(area: number, count: number, to: number): void {
    const first = area >> 2;
    const history = this.history.length;
    f32.set(this.history, first);
    // Rows are padded to 4 taps: the kernel reads up to 3 floats past the input, times zero taps.
    f32.fill(0, first + history + count, first + history + count + 4);
    firBank(area, 1, count, this.rowsAt, this.factor, to);
    for (let i = 0; i < history; i++) this.history[i] = f32[first + count + i] as number;
  }
}

/** Lowers the rate by `factor`. Carries its history and the inputs short of a whole output between calls. */
class DecimatorStage {
  readonly factor: number;
  private readonly rowsAt: number;
  private readonly historyLength: number;
  /** History (filter length − 1) followed by up to factor − 1 pending inputs. */
  private readonly carry: Float32Array;
  carryLength: number;

  constructor(spec: StageSpec) {
    this.factor = spec.factor;
    this.rowsAt = rowsFor(spec, 'down');
    this.historyLength = spec.length - 1;
    this.carry = new Float32Array(this.historyLength + spec.factor);
    this.carryLength = this.historyLength;
  }

  /** Filters `count` inputs at byte address `area` + carryLength; writes the outputs at byte address `to` and returns how many. */
  run(area: number, count: number, to: number): number {
    const first = area >> 2;
    const total = this.carryLength + count;
    f32.set(this.carry.subarray(0, this.carryLength), first);
    f32.fill(0, first + total, first + total + 4);
    const outputs = Math.floor((total - this.historyLength) / this.factor);
    // Output j is the filter over inputs j·factor + factor − 1 … + length − 1 of the area (the newest last).
    firBank(area + (this.factor - 1) * 4, this.factor, outputs, this.rowsAt, 1, to);
    const consumed = outputs * this.factor;
    this.carryLength = total - consumed;
    for (let i = 0; i < this.carryLength; i++) this.carry[i] = f32[first + consumed + i] as number;
    return outputs;
  }

  /** `count` zero inputs with an all-zero carry: only the count of pending inputs changes; returns the outputs (all zero). */
  skipSilence(count: number): number {
    const total = this.carryLength + count;
    const outputs = Math.floor((total - this.historyLength) / this.factor);
    const kept = total - outputs * this.factor;
    // The carry becomes the tail of zero history and zero inputs; entries beyond the old length
    // may hold pending inputs of an earlier call.
    this.carry.fill(0, this.carryLength, kept);
    this.carryLength = kept;
    return outputs;
  }

  isSilent(): boolean {
    return isSilent(this.carry, this.carryLength);
  }

  reset(): void {
    this.carry.fill(0);
    this.carryLength = this.historyLength;
  }
}

/** The filter stages between `rate` and 48 kHz, listed from the telephone rate upwards. */
export function stagesFor(rate: number): StageSpec[] {
  const stages = STAGES[rate as 8000 | 16000];
  if (!stages) throw new Error(`unsupported telephone sample rate ${rate}; expected 8000 or 16000`);
  return stages;
}

/** Telephone rate → 48 kHz, as 16-bit samples (rounded, saturated). */
export class Upsampler {
  readonly factor: number;
  private readonly stages: InterpolatorStage[];

  constructor(readonly inputRate: 8000 | 16000) {
    this.stages = stagesFor(inputRate).map((spec) => new InterpolatorStage(spec));
    this.factor = ROOM_SAMPLE_RATE / inputRate;
  }

  /** Resample `length` inputs into `out` from `outOffset` (room for `length × factor`); returns the count written. */
  process(input: Samples, out: Int16Array, length = input.length, outOffset = 0): number {
    if (isSilent(input, length) && this.stages.every((stage) => isSilent(stage.history, stage.history.length))) {
      // Silence in, silence history: the output is exactly zero (agents and callers are often silent).
      out.fill(0, outOffset, outOffset + length * this.factor);
      return length * this.factor;
    }
    let written = 0;
    for (let from = 0; from < length; from += BLOCK) {
      let count = Math.min(BLOCK, length - from);
      let area = AREA_A;
      copyIn(input, from, count, (area >> 2) + (this.stages[0] as InterpolatorStage).history.length);
      for (let s = 0; s < this.stages.length; s++) {
        const stage = this.stages[s] as InterpolatorStage;
        const next = this.stages[s + 1];
        const nextArea = next ? (area === AREA_A ? AREA_B : AREA_A) : AREA_OUT;
        stage.run(area, count, nextArea + (next ? next.history.length * 4 : 0));
        count *= stage.factor;
        area = nextArea;
      }
      toInt16(AREA_OUT, count, AREA_I16);
      out.set(i16.subarray(AREA_I16 >> 1, (AREA_I16 >> 1) + count), outOffset + written);
      written += count;
    }
    return written;
  }

  reset(): void {
    for (const stage of this.stages) stage.history.fill(0);
  }
}

/** 48 kHz → telephone rate, with the anti-aliasing low-pass. */
export class Downsampler {
  readonly factor: number;
  private readonly stages: DecimatorStage[];

  constructor(readonly outputRate: 8000 | 16000) {
    // Highest rate first on the way down.
    this.stages = [...stagesFor(outputRate)].reverse().map((spec) => new DecimatorStage(spec));
    this.factor = ROOM_SAMPLE_RATE / outputRate;
  }

  /** Resample `length` inputs into `out` from `outOffset`; returns how many outputs were written. */
  process(input: Samples, out: Float32Array, length = input.length, outOffset = 0): number {
    if (isSilent(input, length) && this.stages.every((stage) => stage.isSilent())) {
      let count = length;
      for (const stage of this.stages) count = stage.skipSilence(count);
      out.fill(0, outOffset, outOffset + count);
      return count;
    }
    let written = 0;
    for (let from = 0; from < length; from += BLOCK) {
      let count = Math.min(BLOCK, length - from);
      let area = AREA_A;
      copyIn(input, from, count, (area >> 2) + (this.stages[0] as DecimatorStage).carryLength);
      for (let s = 0; s < this.stages.length; s++) {
        const stage = this.stages[s] as DecimatorStage;
        const next = this.stages[s + 1];
        const nextArea = next ? (area === AREA_A ? AREA_B : AREA_A) : AREA_OUT;
        count = stage.run(area, count, nextArea + (next ? next.carryLength * 4 : 0));
        area = nextArea;
      }
      out.set(f32.subarray(AREA_OUT >> 2, (AREA_OUT >> 2) + count), outOffset + written);
      written += count;
    }
    return written;
  }

  reset(): void {
    for (const stage of this.stages) stage.reset();
  }
}
