/**
 * The inference worker thread: holds the onnxruntime sessions of the models it was asked to load
 * and answers calls from `EngineWorker` (engine-worker-client.ts). Results carry their buffers as
 * transfers, so audio and tokens cross without copies.
 */
import { parentPort } from 'node:worker_threads';
import { type ParakeetLoadOptions, ParakeetRecognizer } from '../stt/parakeet.ts';
import { PiperSynthesizer, type SynthesisSettings } from '../tts/piper-synthesizer.ts';
import { SileroVad, type VadState } from '../vad/silero-vad.ts';
import type { SessionSettings } from './onnx-session.ts';

const recognizers = new Map<string, ParakeetRecognizer>();
const voices = new Map<string, PiperSynthesizer>();
let vad: SileroVad | undefined;

function need<T>(map: Map<string, T>, id: string, what: string): T {
  const value = map.get(id);
  if (!value) throw new Error(`${what} ${id} is not loaded in this worker`);
  return value;
}

type Handler = (args: never) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;

const handlers: Record<string, Handler> = {
  'parakeet.load': async ({ id, dir, options }: { id: string; dir: string; options: ParakeetLoadOptions }) => {
    const recognizer = await ParakeetRecognizer.load(dir, options);
    await recognizers.get(id)?.dispose();
    recognizers.set(id, recognizer);
    return { result: recognizer.info };
  },
  'parakeet.recognize': async ({ id, audio }: { id: string; audio: Float32Array[] }) => {
    const recognition = await need(recognizers, id, 'speech model').recognize(audio);
    return { result: recognition };
  },
  'piper.load': async ({ id, file, settings }: { id: string; file: string; settings: SessionSettings }) => {
    const voice = await PiperSynthesizer.load(file, settings);
    voices.set(id, voice);
    return { result: voice.config };
  },
  'piper.synthesize': async ({ id, ids, settings }: { id: string; ids: number[]; settings: SynthesisSettings }) => {
    const result = await need(voices, id, 'voice').synthesize(ids, settings);
    return { result, transfer: [result.audio.buffer as ArrayBuffer] };
  },
  'silero.load': async ({ file, settings }: { file: string; settings: SessionSettings }) => {
    vad = await SileroVad.load(file, settings);
    return { result: { file } };
  },
  'silero.run': async ({ samples, state }: { samples: Float32Array; state: VadState }) => {
    if (!vad) throw new Error('the VAD is not loaded in this worker');
    const result = await vad.run(samples, state);
    return {
      result,
      transfer: [result.probabilities.buffer, result.state.buffer, result.context.buffer] as ArrayBuffer[],
    };
  },
};

parentPort?.on('message', async (message: { id: number; method: string; args: unknown }) => {
  try {
    const handler = handlers[message.method];
    if (!handler) throw new Error(`unknown worker call ${message.method}`);
    const { result, transfer } = await handler(message.args as never);
    parentPort?.postMessage({ id: message.id, result }, transfer ?? []);
  } catch (error) {
    const e = error as Error;
    parentPort?.postMessage({ id: message.id, error: { message: e.message, name: e.name } });
  }
});
