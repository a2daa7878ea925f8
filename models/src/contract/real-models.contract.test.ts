/**
 * Contract test with the real community exports, run when their paths are given:
 *   SPEAKNODE_PARAKEET_DIR  a folder with encoder-model[.int8].onnx, decoder_joint-model[.int8].onnx, vocab.txt
 *   SPEAKNODE_PIPER_VOICE   a Piper voice's .onnx (its .onnx.json beside it)
 * espeak-ng speaks 20 sentences and Parakeet must transcribe them with a word error rate of at
 * most 15 %; a sentence the Piper voice speaks, transcribed back, must match.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, parseWav, toPcm16 } from '../audio/wav.ts';
import { haveSpeechTools, speak } from '../testing/speech.ts';
import { startTestHost, type TestHost, writeManifest } from '../testing/test-host.ts';

const PARAKEET = process.env.SPEAKNODE_PARAKEET_DIR;
const PIPER = process.env.SPEAKNODE_PIPER_VOICE;
const skipReason = !PARAKEET
  ? 'SPEAKNODE_PARAKEET_DIR is not set (a Parakeet TDT folder in the onnx-asr layout)'
  : !haveSpeechTools
    ? 'espeak-ng and sox are needed to speak the sentences'
    : undefined;
if (skipReason) console.info(`skipping the real-model contract test: ${skipReason}`);
if (!skipReason && !PIPER) console.info('skipping the Piper round trip: SPEAKNODE_PIPER_VOICE is not set');

const SENTENCES = [
  'I would like to book a cleaning for next Tuesday.',
  'The clinic opens at nine in the morning.',
  'Can you move my appointment to Friday afternoon?',
  'My phone number has changed since my last visit.',
  'Please send the reminder by text message.',
  'How much does a regular checkup cost?',
  'I have a toothache on the left side.',
  'Is there parking near the building?',
  'My daughter needs an appointment as well.',
  'Do you accept my insurance card?',
  'The weather is cold and windy today.',
  'Thank you very much for your help.',
  'I will be about ten minutes late.',
  'Could you repeat the address please?',
  'We would like to cancel the visit on Monday.',
  'The doctor said I should come back in six months.',
  'What time do you close on Saturday?',
  'I lost the card with my booking number.',
  'Yes, that time works well for me.',
  'Goodbye and have a nice evening.',
];

export function wordErrorRate(reference: string, hypothesis: string): { errors: number; words: number } {
  const words = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
      .split(/\s+/)
      .filter(Boolean);
  const r = words(reference);
  const h = words(hypothesis);
  let previous = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const row = [i];
    for (let j = 1; j <= h.length; j++) {
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + (r[i - 1] === h[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return { errors: previous[h.length] as number, words: r.length };
}

function link(into: string, files: string[]) {
  mkdirSync(into, { recursive: true });
  for (const file of files) symlinkSync(file, join(into, basename(file)));
}

(skipReason ? describe.skip : describe)('real Parakeet and Piper models', () => {
  let dir: string;
  let models: TestHost;
  const model = 'parakeet-real';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-contract-'));
    link(
      join(dir, model),
      readdirSync(PARAKEET as string).map((f) => join(PARAKEET as string, f)),
    );
    if (PIPER) link(join(dir, 'piper'), [PIPER, `${PIPER}.json`]);
    await writeManifest(dir);
    models = await startTestHost({ dir, threads: 0 });
  }, 600_000);

  afterAll(async () => {
    await models?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const transcribe = async (wav: Buffer) => {
    const res = await fetch(`${models.url}/v1/stt/transcribe?model=${model}&language=en`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav' },
      body: new Uint8Array(wav),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { text: string; words: Array<{ word: string; start: number; end: number }> };
  };

  it('transcribes 20 espeak-ng sentences with a word error rate of at most 15 %', async () => {
    let errors = 0;
    let words = 0;
    for (const sentence of SENTENCES) {
      const result = await transcribe(encodeWav(toPcm16(speak(sentence)), 16_000));
      const wer = wordErrorRate(sentence, result.text);
      errors += wer.errors;
      words += wer.words;
      console.info(`${(wer.errors / wer.words).toFixed(2)}  ${sentence}  →  ${result.text}`);
      expect(
        result.words.every(
          (w, i, all) => w.start <= w.end && (i === 0 || (all[i - 1] as { start: number }).start <= w.start),
        ),
      ).toBe(true);
    }
    console.info(`word error rate ${(errors / words).toFixed(3)} over ${words} words`);
    expect(errors / words).toBeLessThanOrEqual(0.15);
  }, 600_000);

  (PIPER ? it : it.skip)(
    'hears back what the Piper voice says',
    async () => {
      const sentence = 'Your appointment is confirmed for Tuesday at nine.';
      const voice = basename(PIPER as string).replace(/\.onnx$/, '');
      const res = await fetch(`${models.url}/v1/tts/synthesize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: sentence, voice }),
      });
      expect(res.status).toBe(200);
      const audio = parseWav(Buffer.from(await res.arrayBuffer()));
      const result = await transcribe(encodeWav(toPcm16(audio.samples), audio.sampleRate));
      const wer = wordErrorRate(sentence, result.text);
      console.info(`Piper → Parakeet: ${result.text}`);
      expect(wer.errors / wer.words).toBeLessThanOrEqual(0.15);
    },
    300_000,
  );
});

describe('word error rate', () => {
  it('counts substitutions, insertions and deletions over the reference words', () => {
    expect(wordErrorRate('book a cleaning', 'Book a cleaning.')).toEqual({ errors: 0, words: 3 });
    expect(wordErrorRate('book a cleaning', 'look a cleaning today')).toEqual({ errors: 2, words: 3 });
    expect(wordErrorRate('book a cleaning', 'cleaning')).toEqual({ errors: 2, words: 3 });
  });
});
