import { describe, expect, it } from 'vitest';
import { speech } from '../testing/speech.ts';
import { decodeALaw, decodeMuLaw } from './g711.ts';
import { type MediaFormat, OutboundAudio } from './media-format.ts';

const formats: MediaFormat[] = [
  { codec: 'mulaw', sampleRate: 8000 },
  { codec: 'alaw', sampleRate: 8000 },
  { codec: 'pcm16', sampleRate: 8000 },
  { codec: 'pcm16', sampleRate: 16000 },
];

function decode(format: MediaFormat, payload: Uint8Array): Float64Array {
  if (format.codec === 'pcm16') {
    const out = new Float64Array(payload.length / 2);
    for (let i = 0; i < out.length; i++) {
      out[i] = (((payload[2 * i] as number) | ((payload[2 * i + 1] as number) << 8)) << 16) >> 16;
    }
    return out;
  }
  const out = new Float64Array(payload.length);
  if (format.codec === 'mulaw') decodeMuLaw(payload, out);
  else decodeALaw(payload, out);
  return out;
}

const peak = (samples: Float64Array) => samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);

describe('OutboundAudio', () => {
  const voice = speech('Let me tell you about our opening hours.').pcm48k;

  for (const format of formats) {
    it(`starts from silence after reset (${format.codec} ${format.sampleRate} Hz): the cut speech leaves no tail`, () => {
      const withReset = new OutboundAudio(format);
      const without = new OutboundAudio(format);
      // Cut mid-word, and not on a frame boundary (700 samples is not a whole output frame).
      const cut = voice.subarray(48_000 * 0.6, 48_000 * 0.6 + 700 * 13);
      for (const audio of [withReset, without]) audio.push(cut, () => {});
      withReset.reset();

      const silence = new Int16Array(960);
      const after: Uint8Array[] = [];
      const control: Uint8Array[] = [];
      withReset.push(silence, (payload) => after.push(payload));
      without.push(silence, (payload) => control.push(payload));

      const fresh: Uint8Array[] = [];
      new OutboundAudio(format).push(silence, (payload) => fresh.push(payload));
      expect(after).toHaveLength(1);
      // Exactly the codec's silence (A-law has no zero: its quietest code decodes to ±8).
      expect(after[0]).toEqual(fresh[0]);
      expect(peak(decode(format, after[0] as Uint8Array))).toBeLessThanOrEqual(format.codec === 'alaw' ? 8 : 0);
      // Without the reset the same frame carries the speech's tail: the test can fail.
      expect(peak(decode(format, control[0] as Uint8Array))).toBeGreaterThan(0);
    });
  }
});
