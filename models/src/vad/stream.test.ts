/**
 * WS /v1/stt/stream: real Silero VAD (the model in @livekit/agents-plugin-silero) cuts espeak-ng
 * speech with silences into utterances, each transcribed by the (synthetic) recogniser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toPcm16 } from '../audio/wav.ts';
import { haveSpeechTools, speak } from '../testing/speech.ts';
import { havePythonOnnx, PYTHON_ONNX_REASON } from '../testing/synthetic-models.ts';
import { makeModelsFolder, SPEECH_MODEL, startTestHost, type TestHost } from '../testing/test-host.ts';
import type { StreamMessage } from './stream-session.ts';

if (!havePythonOnnx) console.info(PYTHON_ONNX_REASON);
if (!haveSpeechTools) console.info('skipping the streaming recognition test: espeak-ng and sox make its speech');

(havePythonOnnx && haveSpeechTools ? describe : describe.skip)('streaming recognition with Silero VAD', () => {
  let dir: string;
  let models: TestHost;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'models-stream-'));
    await makeModelsFolder(dir);
    models = await startTestHost({ dir }, { maxStreams: 2 });
  });

  afterAll(async () => {
    await models?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (query = `?model=${SPEECH_MODEL}&language=en`) => {
    const ws = new WebSocket(`${models.url.replace('http', 'ws')}/v1/stt/stream${query}`);
    const messages: StreamMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as StreamMessage));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    return { ws, messages, closed };
  };

  it('finds two utterances in speech with silences and finalises each', async () => {
    const first = speak('Hello there, I would like to book a cleaning.');
    const second = speak('Tuesday morning works for me.');
    const silence = (seconds: number) => new Float32Array(Math.round(seconds * 16_000));
    const parts = [silence(0.5), first, silence(1.2), second, silence(1.2)];
    const audio = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    const starts: number[] = [];
    for (const part of parts) {
      starts.push(at / 16_000);
      audio.set(part, at);
      at += part.length;
    }
    const { ws, messages, closed } = open();
    await new Promise((resolve) => ws.once('open', resolve));
    const pcm = toPcm16(audio);
    // 20 ms frames, as a telephone leg sends them (odd byte counts included).
    const bytes = Buffer.from(pcm.buffer);
    for (let i = 0; i < bytes.length; i += 641) ws.send(bytes.subarray(i, i + 641));
    ws.send(JSON.stringify({ type: 'close' }));
    expect((await closed).code).toBe(1000);
    expect(messages[0]).toEqual({ type: 'ready', model: SPEECH_MODEL, sampleRate: 16_000 });
    const started = messages.filter((m) => m.type === 'speech_started');
    const finals = messages.filter((m): m is Extract<StreamMessage, { type: 'final' }> => m.type === 'final');
    expect(started).toHaveLength(2);
    expect(finals).toHaveLength(2);
    const speechStarts = [starts[1] as number, starts[3] as number];
    const speechEnds = [(starts[1] as number) + first.length / 16_000, (starts[3] as number) + second.length / 16_000];
    finals.forEach((final, i) => {
      // Within the VAD's prefix padding (200 ms) and window (32 ms) of where the speech really is.
      expect(Math.abs(final.start - (speechStarts[i] as number))).toBeLessThan(0.35);
      expect(Math.abs(final.end - (speechEnds[i] as number))).toBeLessThan(0.45);
      expect(typeof final.text).toBe('string');
      expect(final.language).toBe('en');
    });
  });

  it('closes with a reason for a bad model, a bad command or an unauthorised client', async () => {
    const bad = open('?model=nope');
    const badClose = await bad.closed;
    expect(badClose.code).toBe(1008);
    expect(badClose.reason).toContain('no speech model nope');
    const rate = await open(`?model=${SPEECH_MODEL}&sampleRate=abc`).closed;
    expect(rate.code).toBe(1008);
    const chatty = open();
    await new Promise((resolve) => chatty.ws.once('open', resolve));
    chatty.ws.send('hello');
    expect((await chatty.closed).code).toBe(1003);
  });

  it('refuses streams beyond the limit at the upgrade', async () => {
    const a = open();
    const b = open();
    await Promise.all([new Promise((r) => a.ws.once('open', r)), new Promise((r) => b.ws.once('open', r))]);
    const third = new WebSocket(`${models.url.replace('http', 'ws')}/v1/stt/stream`);
    const status = await new Promise<number>((resolve) =>
      third.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(503);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  });
});
