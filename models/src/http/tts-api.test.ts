/**
 * POST /v1/tts/synthesize on a synthetic Piper voice whose audio spells out the phoneme ids it was
 * given (a 20 ms tone per id), phonemised by the real espeak-ng.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../audio/wav.ts';
import { haveSpeechTools } from '../testing/speech.ts';
import { havePythonOnnx, PYTHON_ONNX_REASON } from '../testing/synthetic-models.ts';
import { makeModelsFolder, startTestHost, type TestHost, VOICE } from '../testing/test-host.ts';
import { EspeakPhonemizer } from '../tts/espeak-phonemizer.ts';

if (!havePythonOnnx) console.info(PYTHON_ONNX_REASON);
if (!haveSpeechTools) console.info('skipping the synthesis API tests: espeak-ng is needed to phonemise');

// The synthetic voice's symbol table (make_synthetic_piper.py): id = index.
const SYMBOLS = [
  ...['_', '^', '$', ' ', '!', "'", '(', ')', ',', '-', '.', ':', ';', '?'],
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ',
  ...['\u0303', '\u0329', '\u032a', '\u0361', '\u0306', '\u0325'],
];
const RATE = 22_050;
const BURST = Math.floor(RATE * 0.02);

/** Reads the ids back: each burst is 0.5 × noise_scale (0.6) × sin(2π (200 + 25 id) t). */
function readIds(samples: Float32Array): string {
  let out = '';
  for (let at = 0; at + BURST <= samples.length; at += BURST) {
    let best = -1;
    let bestError = Number.POSITIVE_INFINITY;
    for (let id = 0; id < SYMBOLS.length; id++) {
      let error = 0;
      for (let i = 0; i < BURST; i++) {
        error += ((samples[at + i] as number) - 0.3 * Math.sin((2 * Math.PI * (200 + 25 * id) * i) / RATE)) ** 2;
      }
      if (error < bestError) {
        bestError = error;
        best = id;
      }
    }
    out += SYMBOLS[best];
  }
  return out;
}

(havePythonOnnx && haveSpeechTools ? describe : describe.skip)(
  'speech synthesis API on a synthetic Piper voice',
  () => {
    let dir: string;
    let models: TestHost;
    let gate: { open: () => void; opened: Promise<void> };
    const espeak = new EspeakPhonemizer();
    const sentencesSeen: string[] = [];

    const newGate = () => {
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'models-tts-'));
      await makeModelsFolder(dir);
      gate = newGate();
      gate.open();
      models = await startTestHost({
        dir,
        // espeak-ng itself, with a gate before every sentence but the first of a request.
        phonemizer: {
          async phonemize(sentence, voice) {
            sentencesSeen.push(sentence);
            if (!sentence.startsWith('First')) await gate.opened;
            return espeak.phonemize(sentence, voice);
          },
        },
      });
    });

    afterAll(async () => {
      await models?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const synthesize = (body: unknown) =>
      fetch(`${models.url}/v1/tts/synthesize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('phonemises with espeak-ng and maps phonemes to the voice ids as Piper does (^, phoneme _, $)', async () => {
      const res = await synthesize({ text: 'Hello.', voice: VOICE });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const audio = parseWav(Buffer.from(await res.arrayBuffer()));
      expect(audio.sampleRate).toBe(RATE);
      expect(readIds(audio.samples)).toBe('^h_ə_l_ˈ_o_ʊ_._$');
    });

    it('converts to the sample rate asked for (the voice speaks at 22.05 kHz)', async () => {
      const native = parseWav(Buffer.from(await (await synthesize({ text: 'Hello.', voice: VOICE })).arrayBuffer()));
      const res = await synthesize({ text: 'Hello.', voice: VOICE, sampleRate: 44_100 });
      expect(res.status).toBe(200);
      const audio = parseWav(Buffer.from(await res.arrayBuffer()));
      expect(audio.sampleRate).toBe(44_100);
      expect(audio.samples.length).toBe(Math.round((native.samples.length * 44_100) / RATE));
    });

    it('keeps clause and sentence punctuation and synthesises sentence by sentence', async () => {
      const res = await synthesize({ text: 'Yes, two. Why?', voice: VOICE });
      const ids = readIds(parseWav(Buffer.from(await res.arrayBuffer())).samples);
      // Two sentences, each its own ^…$ run; the comma between espeak-ng's clauses is kept.
      expect(
        ids
          .split('$')
          .filter(Boolean)
          .map((s) => s.replaceAll('_', '')),
      ).toEqual(['^jˈɛs, tˈuː.', '^wˈaɪ?']);
    });

    it('streams raw PCM: the first sentence arrives before the next one is even phonemised', async () => {
      gate = newGate();
      const res = await synthesize({
        text: 'First sentence here. Second one follows. Third ends it.',
        voice: VOICE,
        format: 'pcm',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-sample-rate')).toBe(String(RATE));
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      // Sentences two and three are held at the gate, so this chunk is the first sentence alone.
      expect(sentencesSeen.at(-1)).toBe('Second one follows.');
      const firstIds = readIds(
        new Float32Array(new Int16Array(first.value?.buffer.slice(0) as ArrayBuffer)).map((v) => v / 32768),
      );
      expect(firstIds.startsWith('^')).toBe(true);
      expect(firstIds.endsWith('$')).toBe(true);
      gate.open();
      let rest = 0;
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        rest += chunk.value.length;
      }
      expect(rest).toBeGreaterThan(0);
    });

    it('refuses bad requests with problem+json', async () => {
      const detail = async (res: Response, status: number) => {
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        return ((await res.json()) as { detail: string }).detail;
      };
      expect(await detail(await synthesize({ text: 'Hi.', voice: 'nobody' }), 404)).toContain(VOICE);
      expect(await detail(await synthesize({ text: '', voice: VOICE }), 400)).toContain('text');
      expect(await detail(await synthesize({ text: 'x'.repeat(2001), voice: VOICE }), 413)).toContain(
        '2001 characters',
      );
      expect(await detail(await synthesize({ text: 'Hi.', voice: VOICE, sampleRate: 500 }), 400)).toContain(
        'sampleRate',
      );
      expect(await detail(await synthesize({ text: 'Hi.', voice: VOICE, speaker: 'bob' }), 422)).toContain(
        'no speaker bob',
      );
      const malformed = await fetch(`${models.url}/v1/tts/synthesize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":',
      });
      expect(await detail(malformed, 400)).toContain('not valid JSON');
    });

    it('reports the voice at /v1/models', async () => {
      const list = (await (await fetch(`${models.url}/v1/models`)).json()) as {
        voices: string[];
        models: Array<Record<string, unknown>>;
      };
      expect(list.voices).toEqual([VOICE]);
      expect(list.models).toContainEqual(
        expect.objectContaining({ id: VOICE, kind: 'tts', state: 'ready', sampleRate: RATE, languages: ['en-US'] }),
      );
    });
  },
);
