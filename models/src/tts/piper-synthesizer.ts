/** Runs a Piper voice's VITS model on phoneme ids (inside an inference worker). */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import {
  expectSignature,
  ModelFileError,
  OrtClock,
  openSession,
  type SessionSettings,
} from '../inference/onnx-session.ts';
import { type PiperVoiceConfig, parseVoiceConfig } from './piper-voice.ts';

export interface SynthesisSettings {
  noiseScale: number;
  lengthScale: number;
  noiseW: number;
  speakerId?: number;
}

export class PiperSynthesizer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly config: PiperVoiceConfig,
    private readonly multiSpeaker: boolean,
  ) {}

  static async load(modelFile: string, settings: SessionSettings): Promise<PiperSynthesizer> {
    const configFile = `${modelFile}.json`;
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch {
      throw new ModelFileError(configFile, 'is missing (a Piper voice is the .onnx and its .onnx.json)');
    }
    const config = parseVoiceConfig(text, configFile);
    const session = await openSession(modelFile, settings);
    expectSignature(
      session,
      modelFile,
      [
        { name: 'input', type: 'int64', dims: [undefined, undefined] },
        { name: 'input_lengths', type: 'int64', dims: [undefined] },
        { name: 'scales', type: 'float32', dims: [3] },
      ],
      [{ name: 'output', type: 'float32' }],
    );
    return new PiperSynthesizer(session, config, session.inputNames.includes('sid'));
  }

  async synthesize(ids: number[], settings: SynthesisSettings): Promise<{ audio: Float32Array; ortMs: number }> {
    const clock = new OrtClock();
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor(
        'float32',
        Float32Array.from([settings.noiseScale, settings.lengthScale, settings.noiseW]),
        [3],
      ),
    };
    if (this.multiSpeaker)
      feeds.sid = new ort.Tensor('int64', BigInt64Array.from([BigInt(settings.speakerId ?? 0)]), [1]);
    const result = await clock.run('piper', this.session, feeds);
    const audio = (result.output as ort.Tensor).data as Float32Array;
    return { audio: Float32Array.from(audio), ortMs: clock.total() };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
