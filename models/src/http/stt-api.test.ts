/**
 * POST /v1/stt/transcribe end to end on the synthetic Parakeet (real onnxruntime, real worker
 * threads): the text, word timings and duration jumps its weights make known in advance, batching
 * of concurrent requests, and every refusal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, toPcm16 } from '../audio/wav.ts';
import { havePythonOnnx, PYTHON_ONNX_REASON, type ToneTable, toneUtterance } from '../testing/synthetic-models.ts';
import { makeModelsFolder, SPEECH_MODEL, startTestHost, type TestHost } from '../testing/test-host.ts';

if (!havePythonOnnx) console.info(PYTHON_ONNX_REASON);

(havePythonOnnx ? describe : describe.skip)('speech recognition API on the synthetic Parakeet', () => {
  let dir: string;
  let table: ToneTable;
  let models: TestHost;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-stt-'));
    table = await makeModelsFolder(dir);
    models = await startTestHost({ dir, maxBatch: 8, batchWaitMs: 50 }, { apiToken: 'test-token-0123456789' });
  });

  afterAll(async () => {
    await models?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = { authorization: 'Bearer test-token-0123456789' };
  const wav = (samples: Float32Array, rate = 16_000) => encodeWav(toPcm16(samples), rate);
  const post = (
    body: Uint8Array,
    query = `?model=${SPEECH_MODEL}&language=en-US`,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${models.url}/v1/stt/transcribe${query}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', ...auth, ...headers },
      body,
    });

  const bookACleaning = (): Float32Array =>
    toneUtterance(table, [
      [null, 2],
      ['▁book', 2],
      ['▁a', 1],
      [null, 1],
      ['▁clean', 4],
      ['ing', 3],
      [null, 2],
      ['.', 1],
      [null, 2],
    ]);

  it('transcribes with words timed from encoder frames and the durations the joint predicts', async () => {
    const res = await post(wav(bookACleaning()));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      text: 'book a cleaning.',
      language: 'en-US',
      durationSeconds: 1.44,
      words: [
        { word: 'book', start: 0.16, end: 0.32 },
        { word: 'a', start: 0.32, end: 0.4 },
        // "▁clean" at frame 6 lasts 4 frames, "ing" at frame 10 lasts 3, "." at frame 15.
        { word: 'cleaning.', start: 0.48, end: 1.28 },
      ],
    });
    expect(res.headers.get('server-timing')).toMatch(/encoder;dur=[\d.]+, joint;dur=[\d.]+/);
  });

  it('skips the frames a token lasts: a tone longer than its duration is read once', async () => {
    // "▁book" lasts 2 frames; a 3-frame tone is re-read at frame +2 (blank, jump 2), so "▁to" at
    // the frame after is skipped by that jump and heard only on its second frame.
    const res = await post(
      wav(
        toneUtterance(table, [
          [null, 1],
          ['▁book', 3],
          ['▁to', 2],
          [null, 3],
        ]),
      ),
    );
    const body = (await res.json()) as { text: string; words: Array<{ start: number }> };
    expect(body.text).toBe('book to');
    expect(body.words.map((w) => w.start)).toEqual([0.08, 0.4]);
  });

  it('stops at the per-frame symbol limit for a token of duration 0', async () => {
    const res = await post(
      wav(
        toneUtterance(table, [
          [null, 2],
          ['▁ha', 1],
          [null, 2],
        ]),
      ),
    );
    const body = (await res.json()) as { text: string };
    expect(body.text).toBe(Array(10).fill('ha').join(' '));
  });

  const fourUtterances = () => [
    toneUtterance(table, [
      [null, 2],
      ['▁book', 2],
      [null, 2],
    ]),
    toneUtterance(table, [
      [null, 3],
      ['▁to', 2],
      ['day', 1],
      [null, 2],
    ]),
    bookACleaning(),
    toneUtterance(table, [
      [null, 1],
      ['▁a', 1],
      [null, 5],
    ]),
  ];
  const batchSizeSum = async () =>
    (await models.metrics.sttBatchSize.get()).values.find((v) => v.metricName === 'models_stt_batch_size_sum')?.value ??
    0;

  it('answers concurrent requests each its own transcript', async () => {
    const before = await batchSizeSum();
    const answers = await Promise.all(
      fourUtterances().map(async (u) => ((await (await post(wav(u))).json()) as { text: string }).text),
    );
    expect(answers).toEqual(['book', 'today', 'book a cleaning.', 'a']);
    // Every request went through a batch, whichever way they were grouped (arrival order decides).
    expect((await batchSizeSum()) - before).toBe(4);
  });

  it('runs what arrives while the worker is busy as one batch, each utterance decoded on its own', async () => {
    // Submitted in one tick: the first runs at once on the idle host, the other three queue behind
    // it (the worker cannot answer within the tick) and then share one run on the worker thread.
    const results = await Promise.all(
      fourUtterances().map((u) => models.host.transcribe(SPEECH_MODEL, u, 16_000, 'en-US')),
    );
    expect(results.map((r) => r.text)).toEqual(['book', 'today', 'book a cleaning.', 'a']);
    expect(results.map((r) => r.timing.batch)).toEqual([1, 3, 3, 3]);
  });

  it('lists what is loaded at /v1/models and reports ready', async () => {
    const list = (await (await fetch(`${models.url}/v1/models`, { headers: auth })).json()) as {
      models: Array<{ id: string; kind: string; state: string; device: string; languages: string[] }>;
    };
    expect(list.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: SPEECH_MODEL,
          kind: 'stt',
          state: 'ready',
          device: 'cpu',
          languages: ['en'],
          quantization: 'fp32',
        }),
        expect.objectContaining({ id: 'silero-vad', kind: 'vad', state: 'ready' }),
      ]),
    );
    expect((await fetch(`${models.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${models.url}/metrics`)).text();
    expect(metrics).toContain('models_stt_batch_size_bucket');
    expect(metrics).toContain('models_stt_real_time_factor_bucket');
    expect(metrics).toContain('models_stt_queue_depth');
  });

  it('refuses bad requests with problem+json, losing nothing', async () => {
    const problem = async (res: Response) => {
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      return (await res.json()) as { status: number; detail: string };
    };
    const good = wav(bookACleaning());
    expect((await problem(await post(good, '', { authorization: 'Bearer wrong-token-0123456789' }))).status).toBe(401);
    expect((await problem(await post(good, '', { 'content-type': 'application/json' }))).detail).toContain('audio/wav');
    expect((await problem(await post(new TextEncoder().encode('not a wav')))).status).toBe(415);
    const stereo = Buffer.from(good);
    stereo.writeUInt16LE(2, 22);
    expect((await problem(await post(stereo))).detail).toContain('only mono');
    expect((await problem(await post(good, '?model=nope'))).status).toBe(404);
    expect((await problem(await post(good, '?model=../../etc'))).status).toBe(400);
    const german = await problem(await post(good, `?model=${SPEECH_MODEL}&language=de-DE`));
    expect(german.status).toBe(422);
    expect(german.detail).toContain('recognises en');
    expect((await problem(await post(wav(new Float32Array(400))))).status).toBe(422);
    expect((await problem(await post(new Uint8Array(0)))).status).toBe(400);
    // Still serving afterwards.
    expect((await post(good)).status).toBe(200);
  });

  it('converts 8 and 48 kHz audio through the shared resampler', async () => {
    // Tones up to 1.4 kHz, inside an 8 kHz telephone band.
    const plan: Array<[string | null, number]> = [
      [null, 2],
      ['▁book', 2],
      ['▁a', 1],
      [null, 1],
      ['▁clean', 4],
      ['ing', 3],
      [null, 3],
    ];
    for (const rate of [8000, 11_025, 22_050, 44_100, 48_000]) {
      const res = await post(wav(toneUtterance(table, plan, 0.3, rate), rate));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text).toBe('book a cleaning');
    }
  });

  it('refuses a WAV at a sample rate outside what it converts', async () => {
    const res = await post(wav(new Float32Array(500), 500));
    expect(res.status).toBe(415);
    expect(((await res.json()) as { detail: string }).detail).toContain('500 Hz is outside');
  });
});
