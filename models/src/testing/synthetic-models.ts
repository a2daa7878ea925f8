/**
 * Synthetic models for tests and the benchmark, generated at test time with /usr/bin/python3 and
 * the onnx package (Debian's python3-onnx): see make_synthetic_parakeet.py and
 * make_synthetic_piper.py for how their outputs are known in advance.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const HERE = import.meta.dirname;

export const havePythonOnnx = spawnSync(PYTHON, ['-c', 'import onnx, numpy']).status === 0;
export const PYTHON_ONNX_REASON =
  'skipping: /usr/bin/python3 with onnx and numpy (Debian python3-onnx, python3-numpy) builds the synthetic models';

function python(script: string, args: string[]): string {
  const run = spawnSync(PYTHON, [join(HERE, script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return run.stdout;
}

export interface ToneTable {
  tones: Record<string, { hz: number; duration: number }>;
}

/** Writes encoder-model.onnx, decoder_joint-model.onnx, vocab.txt and config.json into `dir`. */
export function makeSyntheticParakeet(
  dir: string,
  options: { heavyLayers?: number; int8Names?: boolean } = {},
): ToneTable {
  const args = [dir];
  if (options.heavyLayers) args.push('--heavy', String(options.heavyLayers));
  if (options.int8Names) args.push('--int8-names');
  return JSON.parse(python('make_synthetic_parakeet.py', args)) as ToneTable;
}

/** Writes `<name>.onnx` and `<name>.onnx.json` into `dir`; returns the model path. */
export function makeSyntheticPiper(dir: string, name = 'en_US-synthetic-medium', sampleRate = 22_050): string {
  python('make_synthetic_piper.py', [dir, name, String(sampleRate)]);
  return join(dir, `${name}.onnx`);
}

export const SAMPLES_PER_ENCODER_FRAME = 1280;

/**
 * 16 kHz audio the synthetic Parakeet "hears" as the given pieces: each segment is a piece's tone
 * (or silence for `null`) lasting whole 80 ms encoder frames, aligned to frame boundaries.
 */
export function toneUtterance(
  table: ToneTable,
  segments: Array<[piece: string | null, frames: number]>,
  amplitude = 0.3,
  sampleRate = 16_000,
): Float32Array {
  const perFrame = (SAMPLES_PER_ENCODER_FRAME * sampleRate) / 16_000;
  const total = segments.reduce((n, [, frames]) => n + frames, 0) * perFrame;
  const out = new Float32Array(total);
  let at = 0;
  for (const [piece, frames] of segments) {
    const length = frames * perFrame;
    if (piece !== null) {
      const tone = table.tones[piece];
      if (!tone) throw new Error(`the synthetic model has no tone for ${piece}`);
      for (let i = 0; i < length; i++) out[at + i] = amplitude * Math.sin((2 * Math.PI * tone.hz * i) / sampleRate);
    }
    at += length;
  }
  return out;
}
