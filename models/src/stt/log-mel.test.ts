import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveSpeechTools, noise, speak } from '../testing/speech.ts';
import { FeatureError, LogMelExtractor, melFilterbank } from './log-mel.ts';

const PYTHON = '/usr/bin/python3';
const REFERENCE = join(import.meta.dirname, '../testing/nemo_log_mel_reference.py');
const haveNumpy = spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;
if (!haveNumpy) console.info('skipping the log-mel reference comparison: /usr/bin/python3 with numpy is needed');

const dir = mkdtempSync(join(tmpdir(), 'log-mel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reference(samples: Float32Array, mels: number): Float32Array {
  const input = join(dir, 'in.f32');
  const output = join(dir, 'out.f32');
  writeFileSync(input, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  const run = spawnSync(PYTHON, [REFERENCE, input, output, String(mels)]);
  if (run.status !== 0) throw new Error(String(run.stderr));
  const bytes = readFileSync(output);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

// Stated tolerance: every feature within 1e-4 of the reference (features are unit-variance, so
// this is 1e-4 of a standard deviation; onnx-asr accepts 5e-4 between its graph and NeMo itself).
const TOLERANCE = 1e-4;

describe('NeMo log-mel features', () => {
  const extractor = new LogMelExtractor(128);

  (haveNumpy ? it : it.skip)('match the NumPy reference on noise and a chirp of an odd length', () => {
    const length = 16_000 + 123;
    const chirp = new Float32Array(length);
    for (let i = 0; i < length; i++)
      chirp[i] = 0.3 * Math.sin(2 * Math.PI * (200 + 3000 * (i / length)) * (i / 16_000));
    const mixed = noise(length, 0.05, 7).map((v, i) => v + (chirp[i] as number));
    for (const samples of [noise(length, 0.5, 3), mixed]) {
      const ours = extractor.compute(samples);
      expect(ours.frames).toBe(Math.floor(length / 160) + 1);
      expect(ours.validFrames).toBe(Math.floor(length / 160));
      const theirs = reference(samples, 128);
      expect(theirs.length).toBe(ours.data.length);
      expect(maxAbsDiff(ours.data, theirs)).toBeLessThan(TOLERANCE);
    }
  });

  (haveNumpy && haveSpeechTools ? it : it.skip)(
    'match the NumPy reference on espeak-ng speech, 80 and 128 bands',
    () => {
      const samples = speak('Please book a cleaning for Tuesday morning at nine.');
      for (const mels of [128, 80]) {
        const ours = new LogMelExtractor(mels).compute(samples);
        expect(maxAbsDiff(ours.data, reference(samples, mels))).toBeLessThan(TOLERANCE);
      }
    },
  );

  it('normalise each band over the valid frames and leave the extra frame at zero', () => {
    const features = extractor.compute(noise(8_000, 0.3, 11));
    for (const m of [0, 64, 127]) {
      const row = features.data.subarray(m * features.frames, m * features.frames + features.validFrames);
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / (row.length - 1);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(Math.sqrt(variance)).toBeCloseTo(1, 3);
      expect(features.data[m * features.frames + features.validFrames]).toBe(0);
    }
  });

  it('put a tone into the band around its frequency (Slaney filters, 0–8 kHz)', () => {
    const filters = melFilterbank(128);
    expect(filters).toHaveLength(128);
    const tone = new Float32Array(16_000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16_000));
    const withSilence = new Float32Array(32_000);
    withSilence.set(tone, 16_000);
    const features = extractor.compute(withSilence);
    const frame = 150; // inside the tone
    let best = 0;
    for (let m = 1; m < 128; m++) {
      if (
        (features.data[m * features.frames + frame] as number) >
        (features.data[best * features.frames + frame] as number)
      )
        best = m;
    }
    // 1 kHz is mel 15 on the Slaney scale; the 128 bands are about 0.35 mel apart.
    expect(best).toBeGreaterThanOrEqual(41);
    expect(best).toBeLessThanOrEqual(43);
  });

  it('refuse audio too short to normalise', () => {
    expect(() => extractor.compute(new Float32Array(300))).toThrow(FeatureError);
  });
});
