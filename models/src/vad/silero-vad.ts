/**
 * Silero VAD v5 (the ONNX model `@livekit/agents-plugin-silero` ships): 512-sample windows at
 * 16 kHz with the previous window's last 64 samples in front, a [2, 1, 128] recurrent state and the
 * sample rate; answers the speech probability of each window. Stateless here: each stream keeps its
 * own state and context and passes them in, so one session serves every stream.
 */
import ort from 'onnxruntime-node';
import { expectSignature, OrtClock, openSession, type SessionSettings } from '../inference/onnx-session.ts';

export const VAD_WINDOW = 512;
export const VAD_CONTEXT = 64;
export const VAD_STATE_SIZE = 2 * 128;

export interface VadState {
  state: Float32Array;
  context: Float32Array;
}

export class SileroVad {
  private readonly input = new Float32Array(VAD_CONTEXT + VAD_WINDOW);
  private readonly sampleRate = new ort.Tensor('int64', BigInt64Array.from([16_000n]), []);

  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(file: string, settings: SessionSettings): Promise<SileroVad> {
    const session = await openSession(file, { ...settings, threads: 1 });
    expectSignature(
      session,
      file,
      [
        { name: 'input', type: 'float32', dims: [undefined, undefined] },
        { name: 'state', type: 'float32', dims: [2, undefined, 128] },
        { name: 'sr', type: 'int64' },
      ],
      [
        { name: 'output', type: 'float32' },
        { name: 'stateN', type: 'float32' },
      ],
    );
    return new SileroVad(session);
  }

  /** Probabilities of consecutive windows; `samples` is a whole number of windows. */
  async run(samples: Float32Array, from: VadState): Promise<VadState & { probabilities: Float32Array; ortMs: number }> {
    const clock = new OrtClock();
    const windows = Math.floor(samples.length / VAD_WINDOW);
    const probabilities = new Float32Array(windows);
    let state = from.state;
    let context = from.context;
    for (let w = 0; w < windows; w++) {
      this.input.set(context, 0);
      this.input.set(samples.subarray(w * VAD_WINDOW, (w + 1) * VAD_WINDOW), VAD_CONTEXT);
      const result = await clock.run('vad', this.session, {
        input: new ort.Tensor('float32', this.input, [1, VAD_CONTEXT + VAD_WINDOW]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: this.sampleRate,
      });
      probabilities[w] = ((result.output as ort.Tensor).data as Float32Array)[0] as number;
      state = Float32Array.from((result.stateN as ort.Tensor).data as Float32Array);
      context = this.input.slice(VAD_WINDOW);
    }
    return { probabilities, state, context, ortMs: clock.total() };
  }
}

/** The Silero model file inside @livekit/agents-plugin-silero. */
export function bundledSileroModel(): string {
  return new URL('silero_vad.onnx', import.meta.resolve('@livekit/agents-plugin-silero')).pathname;
}
