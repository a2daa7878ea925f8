import { describe, expect, it } from 'vitest';
import { decodeTdt, type JointInput } from './tdt-decoder.ts';
import { Vocabulary } from './vocabulary.ts';

// Vocabulary of 3 tokens + blank (3); durations [0, 1, 2]; encoder width 1; state 1 layer of 2.
const BLANK = 3;
const options = {
  blank: BLANK,
  vocabularySize: 4,
  durations: [0, 1, 2],
  maxSymbolsPerFrame: 3,
  stateLayers: 1,
  stateSize: 2,
};

/** A joint scripted per (frame value, last token): [token, duration index]. */
function scriptedJoint(
  script: (frame: number, last: number, state: Float32Array) => [number, number],
  calls: JointInput[] = [],
) {
  return async (input: JointInput) => {
    calls.push(input);
    const logits = new Float32Array(input.batch * 7);
    const states1 = new Float32Array(input.batch * 2);
    for (let b = 0; b < input.batch; b++) {
      const state = input.states1.subarray(b * 2, b * 2 + 2);
      const [token, duration] = script(input.frames[b] as number, input.targets[b] as number, state);
      logits[b * 7 + token] = 1;
      logits[b * 7 + 4 + duration] = 1;
      // The new state counts the tokens consumed.
      states1[b * 2] = (state[0] as number) + 1;
    }
    return { logits, states1, states2: new Float32Array(input.batch * 2) };
  };
}

const encoded = (frames: number[][]) => {
  const max = Math.max(...frames.map((f) => f.length));
  const data = new Float32Array(frames.length * max);
  frames.forEach((f, b) => {
    data.set(f, b * max);
  });
  return { data, encoderDim: 1, frames: max, lengths: frames.map((f) => f.length) };
};

describe('greedy TDT decoding', () => {
  it('advances by the predicted duration, and by one on a blank of duration 0', async () => {
    // Frame values name the token to emit (9 = nothing); token 0 lasts 2 frames, token 1 one.
    const joint = scriptedJoint((frame, last) =>
      frame === 9 || frame === last ? [BLANK, 0] : frame === 0 ? [0, 2] : [1, 1],
    );
    const [tokens] = await decodeTdt(encoded([[9, 0, 0, 1, 9]]), joint, options);
    expect(tokens).toEqual([
      { id: 0, frame: 1, duration: 2 },
      { id: 1, frame: 3, duration: 1 },
    ]);
  });

  it('emits at most maxSymbolsPerFrame tokens on one frame, then moves on', async () => {
    const joint = scriptedJoint(() => [2, 0]);
    const [tokens] = await decodeTdt(encoded([[5, 5]]), joint, options);
    expect(tokens?.map((t) => t.frame)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('keeps the prediction state of the last non-blank token', async () => {
    const calls: JointInput[] = [];
    // Blank on frames 0-2, token 0 on frame 3 and 4 (duration 1).
    const joint = scriptedJoint((frame) => (frame < 3 ? [BLANK, 1] : [0, 1]), calls);
    await decodeTdt(encoded([[0, 1, 2, 3, 4]]), joint, options);
    // Three blanks consumed nothing: the state going into frame 3 is still the initial one,
    // and into frame 4 it is the state after one token.
    expect(calls.map((c) => c.states1[0])).toEqual([0, 0, 0, 0, 1]);
    expect(calls.map((c) => c.targets[0])).toEqual([BLANK, BLANK, BLANK, BLANK, 0]);
  });

  it('decodes a batch of different lengths with one joint call per step for the unfinished ones', async () => {
    const calls: JointInput[] = [];
    const joint = scriptedJoint((frame, last) => (frame === last ? [BLANK, 1] : [frame, 1]), calls);
    const results = await decodeTdt(encoded([[0, 1, 2], [2]]), joint, options);
    expect(results.map((r) => r.map((t) => t.id))).toEqual([[0, 1, 2], [2]]);
    expect(calls.map((c) => c.batch)).toEqual([2, 1, 1]);
  });
});

describe('vocabulary', () => {
  const vocabulary = Vocabulary.parse('<unk> 0\n▁book 1\n▁a 2\n▁clean 3\ning 4\n. 5\n<blk> 6\n');

  it('joins pieces into words at ▁ marks and times words from encoder frames (80 ms)', () => {
    const decoded = vocabulary.decode(
      [
        { id: 1, frame: 2, duration: 2 },
        { id: 0, frame: 3, duration: 1 },
        { id: 2, frame: 4, duration: 0 },
        { id: 3, frame: 6, duration: 4 },
        { id: 4, frame: 10, duration: 3 },
        { id: 5, frame: 15, duration: 1 },
      ],
      5,
    );
    expect(decoded.text).toBe('book a cleaning.');
    expect(decoded.words).toEqual([
      { word: 'book', start: 0.16, end: 0.32 },
      { word: 'a', start: 0.32, end: 0.4 },
      { word: 'cleaning.', start: 0.48, end: 1.28 },
    ]);
  });

  it('refuses a vocabulary without a blank or with a gap', () => {
    expect(() => Vocabulary.parse('a 0\nb 1\n')).toThrow('no <blk>');
    expect(() => Vocabulary.parse('a 0\n<blk> 2\n')).toThrow('id 1 is missing');
    expect(() => Vocabulary.parse('nonsense\n')).toThrow('line 1');
  });
});
