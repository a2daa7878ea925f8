/** Real speech for tests: espeak-ng speaks, sox converts to 16-bit mono at the rate asked for. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../audio/wav.ts';

export const haveSpeechTools = ['espeak-ng', 'sox'].every((tool) => spawnSync('which', [tool]).status === 0);

export function speakWav(text: string, options: { sampleRate?: number; voice?: string; wordsPerMinute?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'models-speech-'));
  try {
    const raw = join(dir, 'raw.wav');
    const out = join(dir, 'out.wav');
    const espeak = spawnSync(
      'espeak-ng',
      ['-v', options.voice ?? 'en-us', '-s', String(options.wordsPerMinute ?? 150), '-w', raw, '--stdin'],
      { input: text },
    );
    if (espeak.status !== 0) throw new Error(`espeak-ng failed: ${espeak.stderr}`);
    const sox = spawnSync('sox', [raw, '-r', String(options.sampleRate ?? 16_000), '-c', '1', '-b', '16', out]);
    if (sox.status !== 0) throw new Error(`sox failed: ${sox.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function speak(text: string, options: { sampleRate?: number; voice?: string } = {}): Float32Array {
  return parseWav(speakWav(text, options)).samples;
}

/** Deterministic noise in [-amplitude, amplitude). */
export function noise(length: number, amplitude: number, seed = 1): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state >>> 0) / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return out;
}
