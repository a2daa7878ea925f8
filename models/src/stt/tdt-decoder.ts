/**
 * Greedy Token-and-Duration Transducer decoding, batched. At each step every unfinished utterance
 * gives the joint its current encoder frame, its last emitted token and its prediction-network
 * state; the joint answers token logits (vocabulary + blank) and duration logits. As in NeMo and
 * onnx-asr: a non-blank token is emitted and only then does the utterance's state become the
 * joint's new state; the frame advances by the predicted duration, or by one when the duration is
 * 0 and the token is blank or the utterance has emitted `maxSymbolsPerFrame` tokens on this frame.
 */
import type { DecodedToken } from './vocabulary.ts';

export interface JointInput {
  /** `[batch][encoderDim]` frames. */
  frames: Float32Array;
  targets: Int32Array;
  /** `[layers][batch][hidden]`, as the joint expects. */
  states1: Float32Array;
  states2: Float32Array;
  batch: number;
}

export interface JointOutput {
  /** `[batch][vocabulary + durations]`. */
  logits: Float32Array;
  states1: Float32Array;
  states2: Float32Array;
}

export type JointNetwork = (input: JointInput) => Promise<JointOutput>;

export interface EncodedBatch {
  /** `[batch][encoderDim][frames]`, the encoder's own layout. */
  data: Float32Array;
  encoderDim: number;
  frames: number;
  lengths: readonly number[];
}

export interface TdtOptions {
  blank: number;
  vocabularySize: number;
  durations: readonly number[];
  maxSymbolsPerFrame: number;
  stateLayers: number;
  stateSize: number;
}

function argmax(values: Float32Array, from: number, count: number): number {
  let best = 0;
  let bestValue = values[from] as number;
  for (let i = 1; i < count; i++) {
    const v = values[from + i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export async function decodeTdt(
  encoded: EncodedBatch,
  joint: JointNetwork,
  options: TdtOptions,
): Promise<DecodedToken[][]> {
  const batch = encoded.lengths.length;
  const { encoderDim, frames } = encoded;
  const stateStride = options.stateSize;
  const perItemState = options.stateLayers * stateStride;
  const states1 = Array.from({ length: batch }, () => new Float32Array(perItemState));
  const states2 = Array.from({ length: batch }, () => new Float32Array(perItemState));
  const time = new Array<number>(batch).fill(0);
  const emittedHere = new Array<number>(batch).fill(0);
  const last = new Array<number>(batch).fill(options.blank);
  const results: DecodedToken[][] = Array.from({ length: batch }, () => []);
  const width = options.vocabularySize + options.durations.length;

  for (;;) {
    const active: number[] = [];
    for (let b = 0; b < batch; b++)
      if ((time[b] as number) < Math.min(encoded.lengths[b] as number, frames)) active.push(b);
    if (active.length === 0) break;
    const n = active.length;
    const input: JointInput = {
      frames: new Float32Array(n * encoderDim),
      targets: new Int32Array(n),
      states1: new Float32Array(options.stateLayers * n * stateStride),
      states2: new Float32Array(options.stateLayers * n * stateStride),
      batch: n,
    };
    active.forEach((b, i) => {
      const base = b * encoderDim * frames + (time[b] as number);
      for (let d = 0; d < encoderDim; d++) input.frames[i * encoderDim + d] = encoded.data[base + d * frames] as number;
      input.targets[i] = last[b] as number;
      for (let layer = 0; layer < options.stateLayers; layer++) {
        const from = layer * stateStride;
        const to = (layer * n + i) * stateStride;
        input.states1.set((states1[b] as Float32Array).subarray(from, from + stateStride), to);
        input.states2.set((states2[b] as Float32Array).subarray(from, from + stateStride), to);
      }
    });
    const output = await joint(input);
    if (output.logits.length < n * width) {
      throw new Error(`the joint answered ${output.logits.length} logits for ${n} frames; expected ${width} each`);
    }
    active.forEach((b, i) => {
      const row = i * width;
      const token = argmax(output.logits, row, options.vocabularySize);
      const step = options.durations[
        argmax(output.logits, row + options.vocabularySize, options.durations.length)
      ] as number;
      if (token !== options.blank) {
        for (let layer = 0; layer < options.stateLayers; layer++) {
          const from = (layer * n + i) * stateStride;
          (states1[b] as Float32Array).set(output.states1.subarray(from, from + stateStride), layer * stateStride);
          (states2[b] as Float32Array).set(output.states2.subarray(from, from + stateStride), layer * stateStride);
        }
        (results[b] as DecodedToken[]).push({ id: token, frame: time[b] as number, duration: step });
        last[b] = token;
        emittedHere[b] = (emittedHere[b] as number) + 1;
      }
      if (step > 0) {
        time[b] = (time[b] as number) + step;
        emittedHere[b] = 0;
      } else if (token === options.blank || emittedHere[b] === options.maxSymbolsPerFrame) {
        time[b] = (time[b] as number) + 1;
        emittedHere[b] = 0;
      }
    });
  }
  return results;
}
