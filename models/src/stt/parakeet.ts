/**
 * Parakeet TDT in the community ONNX layout (what onnx-asr reads): `encoder-model.onnx` (or
 * `.int8.onnx`, with `encoder-model.onnx.data` next to a large fp32 export),
 * `decoder_joint-model.onnx`, `vocab.txt`, optional `config.json`. Runs inside an inference worker:
 * features, encoder and the decoding loop all happen there, so the service's event loop only moves
 * audio in and tokens out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import {
  expectSignature,
  fixedDim,
  ModelFileError,
  OrtClock,
  openSession,
  type SessionSettings,
} from '../inference/onnx-session.ts';
import { LogMelExtractor } from './log-mel.ts';
import { decodeTdt, type JointInput, type JointOutput } from './tdt-decoder.ts';
import { type DecodedToken, Vocabulary } from './vocabulary.ts';

export type Quantization = 'auto' | 'fp32' | 'int8';

export interface ParakeetLoadOptions extends SessionSettings {
  quantization: Quantization;
  maxSymbolsPerFrame: number;
}

export interface RecognitionTiming {
  featuresMs: number;
  encoderMs: number;
  jointMs: number;
  /** The decoding loop outside the joint's onnxruntime runs. */
  decodeMs: number;
  jointCalls: number;
}

export interface BatchRecognition {
  tokens: DecodedToken[][];
  timing: RecognitionTiming;
}

export interface ParakeetInfo {
  encoderFile: string;
  decoderJointFile: string;
  quantization: 'fp32' | 'int8';
  featureSize: number;
  vocabularySize: number;
  pieces: string[];
}

interface TdtConfig {
  features_size?: number;
  subsampling_factor?: number;
  max_tokens_per_step?: number;
  durations?: number[];
}

/** The model files to load, by the quantization asked for; names what is missing. */
export function parakeetFiles(dir: string, quantization: Quantization, device: 'cpu' | 'cuda') {
  const int8 = ['encoder-model.int8.onnx', 'decoder_joint-model.int8.onnx'].map((f) => join(dir, f));
  const fp32 = ['encoder-model.onnx', 'decoder_joint-model.onnx'].map((f) => join(dir, f));
  const haveInt8 = int8.every((f) => existsSync(f));
  const haveFp32 = fp32.every((f) => existsSync(f));
  // int8 is the faster choice on CPU; CUDA runs the fp32 export.
  const wantInt8 = quantization === 'int8' || (quantization === 'auto' && (device === 'cpu' ? haveInt8 : !haveFp32));
  const chosen = wantInt8 ? int8 : fp32;
  const missing = chosen.find((f) => !existsSync(f));
  if (missing) throw new ModelFileError(missing, 'is missing');
  const vocab = join(dir, 'vocab.txt');
  if (!existsSync(vocab)) throw new ModelFileError(vocab, 'is missing');
  const config = join(dir, 'config.json');
  return {
    encoder: chosen[0] as string,
    decoderJoint: chosen[1] as string,
    vocab,
    config: existsSync(config) ? config : undefined,
    quantization: (wantInt8 ? 'int8' : 'fp32') as 'fp32' | 'int8',
  };
}

export class ParakeetRecognizer {
  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoderJoint: ort.InferenceSession,
    readonly vocabulary: Vocabulary,
    private readonly features: LogMelExtractor,
    private readonly durations: number[],
    private readonly maxSymbolsPerFrame: number,
    private readonly stateLayers: number,
    private readonly stateSize: number,
    private readonly encoderDim: number,
    readonly info: ParakeetInfo,
  ) {}

  static async load(dir: string, options: ParakeetLoadOptions): Promise<ParakeetRecognizer> {
    const files = parakeetFiles(dir, options.quantization, options.device);
    const vocabulary = Vocabulary.parse(readFileSync(files.vocab, 'utf8'), files.vocab);
    let config: TdtConfig = {};
    if (files.config) {
      try {
        config = JSON.parse(readFileSync(files.config, 'utf8')) as TdtConfig;
      } catch (error) {
        throw new ModelFileError(files.config, `is not valid JSON (${(error as Error).message})`);
      }
    }
    const encoder = await openSession(files.encoder, options);
    expectSignature(
      encoder,
      files.encoder,
      [
        { name: 'audio_signal', type: 'float32', dims: [undefined, undefined, undefined] },
        { name: 'length', type: 'int64', dims: [undefined] },
      ],
      [
        { name: 'outputs', type: 'float32', dims: [undefined, undefined, undefined] },
        { name: 'encoded_lengths', type: 'int64', dims: [undefined] },
      ],
    );
    const featureSize = fixedDim(encoder, 'audio_signal', 1) ?? config.features_size ?? 128;
    const decoderJoint = await openSession(files.decoderJoint, options);
    expectSignature(
      decoderJoint,
      files.decoderJoint,
      [
        { name: 'encoder_outputs', type: 'float32', dims: [undefined, undefined, undefined] },
        { name: 'targets', type: 'int32', dims: [undefined, undefined] },
        { name: 'target_length', type: 'int32', dims: [undefined] },
        { name: 'input_states_1', type: 'float32', dims: [undefined, undefined, undefined] },
        { name: 'input_states_2', type: 'float32', dims: [undefined, undefined, undefined] },
      ],
      [
        { name: 'outputs', type: 'float32', dims: [undefined, undefined, undefined, undefined] },
        { name: 'output_states_1', type: 'float32' },
        { name: 'output_states_2', type: 'float32' },
      ],
    );
    const encoderDim = fixedDim(decoderJoint, 'encoder_outputs', 1) ?? fixedDim(encoder, 'outputs', 1);
    const stateLayers = fixedDim(decoderJoint, 'input_states_1', 0);
    const stateSize = fixedDim(decoderJoint, 'input_states_1', 2);
    if (!encoderDim || !stateLayers || !stateSize) {
      throw new ModelFileError(
        files.decoderJoint,
        'does not declare its encoder width and state sizes (expected [B, 1024, T] and [2, B, 640])',
      );
    }
    const width = fixedDim(decoderJoint, 'outputs', 3);
    const durations =
      config.durations ?? (width ? Array.from({ length: width - vocabulary.size }, (_, i) => i) : [0, 1, 2, 3, 4]);
    if (width !== undefined && width !== vocabulary.size + durations.length) {
      throw new ModelFileError(
        files.decoderJoint,
        `its joint has ${width} outputs but vocab.txt has ${vocabulary.size} ids and ${durations.length} durations`,
      );
    }
    if (durations.length === 0 || durations.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ModelFileError(files.decoderJoint, 'has no duration head; this is not a TDT model');
    }
    return new ParakeetRecognizer(
      encoder,
      decoderJoint,
      vocabulary,
      new LogMelExtractor(featureSize),
      durations,
      config.max_tokens_per_step ?? options.maxSymbolsPerFrame,
      stateLayers,
      stateSize,
      encoderDim,
      {
        encoderFile: files.encoder,
        decoderJointFile: files.decoderJoint,
        quantization: files.quantization,
        featureSize,
        vocabularySize: vocabulary.size,
        pieces: vocabulary.pieces,
      },
    );
  }

  /** Recognise a batch of 16 kHz utterances in one encoder run and one batched decoding loop. */
  async recognize(utterances: Float32Array[]): Promise<BatchRecognition> {
    const clock = new OrtClock();
    const started = performance.now();
    const features = utterances.map((u) => this.features.compute(u));
    const maxFrames = Math.max(...features.map((f) => f.frames));
    const mels = this.features.mels;
    const batch = new Float32Array(utterances.length * mels * maxFrames);
    features.forEach((f, b) => {
      for (let m = 0; m < mels; m++) {
        batch.set(f.data.subarray(m * f.frames, (m + 1) * f.frames), (b * mels + m) * maxFrames);
      }
    });
    const featuresMs = performance.now() - started;
    const encoded = await clock.run('encoder', this.encoder, {
      audio_signal: new ort.Tensor('float32', batch, [utterances.length, mels, maxFrames]),
      length: new ort.Tensor(
        'int64',
        BigInt64Array.from(features, (f) => BigInt(f.validFrames)),
        [utterances.length],
      ),
    });
    const outputs = encoded.outputs as ort.Tensor;
    const lengths = Array.from(encoded.encoded_lengths?.data as BigInt64Array, Number);
    const [, dim, frames] = outputs.dims as [number, number, number];
    if (dim !== this.encoderDim) {
      throw new ModelFileError(
        this.info.encoderFile,
        `answered ${dim}-wide frames; the joint takes ${this.encoderDim}`,
      );
    }
    const decodeStarted = performance.now();
    let jointCalls = 0;
    const joint = async (input: JointInput): Promise<JointOutput> => {
      jointCalls++;
      const result = await clock.run('joint', this.decoderJoint, {
        encoder_outputs: new ort.Tensor('float32', input.frames, [input.batch, this.encoderDim, 1]),
        targets: new ort.Tensor('int32', input.targets, [input.batch, 1]),
        target_length: new ort.Tensor('int32', new Int32Array(input.batch).fill(1), [input.batch]),
        input_states_1: new ort.Tensor('float32', input.states1, [this.stateLayers, input.batch, this.stateSize]),
        input_states_2: new ort.Tensor('float32', input.states2, [this.stateLayers, input.batch, this.stateSize]),
      });
      return {
        logits: (result.outputs as ort.Tensor).data as Float32Array,
        states1: (result.output_states_1 as ort.Tensor).data as Float32Array,
        states2: (result.output_states_2 as ort.Tensor).data as Float32Array,
      };
    };
    const tokens = await decodeTdt({ data: outputs.data as Float32Array, encoderDim: dim, frames, lengths }, joint, {
      blank: this.vocabulary.blank,
      vocabularySize: this.vocabulary.size,
      durations: this.durations,
      maxSymbolsPerFrame: this.maxSymbolsPerFrame,
      stateLayers: this.stateLayers,
      stateSize: this.stateSize,
    });
    const jointMs = clock.parts.joint ?? 0;
    return {
      tokens,
      timing: {
        featuresMs,
        encoderMs: clock.parts.encoder ?? 0,
        jointMs,
        decodeMs: performance.now() - decodeStarted - jointMs,
        jointCalls,
      },
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoderJoint.release()]);
  }
}
