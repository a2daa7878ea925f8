/**
 * The self-hosted STT path as a voice call uses it: real speech (espeak-ng) cut into an utterance
 * by the real Silero VAD from the plugin, posted to a local models host as WAV.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stt } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AudioFrame } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFrameworkLogger } from '../framework.ts';
import { buildStt } from './providers.ts';

const haveTools = ['espeak-ng', 'sox'].every((tool) => spawnSync('which', [tool]).status === 0);
if (!haveTools) console.info('skipping the Silero + models host STT test: espeak-ng and sox are needed to make speech');

(haveTools ? describe : describe.skip)('speaknode-models STT behind Silero VAD', () => {
  let server: Server;
  let url: string;
  const uploads: Buffer[] = [];
  let dir: string;

  beforeAll(async () => {
    ensureFrameworkLogger('silent');
    dir = mkdtempSync(join(tmpdir(), 'agent-stt-'));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        uploads.push(Buffer.concat(chunks));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ text: 'I would like to book a cleaning', language: 'en' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('posts one utterance per stretch of speech and yields its final transcript', async () => {
    const raw = join(dir, 'speech.wav');
    const wav = join(dir, 'speech16k.wav');
    expect(
      spawnSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', raw, 'Hello, I would like to book a cleaning.']).status,
    ).toBe(0);
    expect(spawnSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav]).status).toBe(0);
    const pcm = readFileSync(wav).subarray(44);
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));

    const vad = await silero.VAD.load();
    const recognizer = buildStt(
      { provider: 'speaknode-models', model: 'parakeet-tdt-0.6b-v2' },
      'en-US',
      {},
      {
        modelsUrl: url,
        vad,
      },
    );
    expect(recognizer).toBeInstanceOf(stt.StreamAdapter);
    const stream = recognizer.stream();
    const frame = 160; // 10 ms at 16 kHz
    const push = (data: Int16Array) => {
      for (let i = 0; i + frame <= data.length; i += frame) {
        stream.pushFrame(new AudioFrame(data.slice(i, i + frame), 16000, 1, frame));
      }
    };
    push(new Int16Array(8000)); // silence before
    push(samples);
    push(new Int16Array(24000)); // silence after: the VAD closes the utterance

    let transcript: string | undefined;
    for await (const event of stream) {
      if (event.type === stt.SpeechEventType.FINAL_TRANSCRIPT) {
        transcript = event.alternatives?.[0].text;
        break;
      }
    }
    stream.close();
    expect(transcript).toBe('I would like to book a cleaning');
    expect(uploads).toHaveLength(1);
    const upload = uploads[0] as Buffer;
    expect(upload.subarray(0, 4).toString()).toBe('RIFF');
    // The utterance is the speech (about 2 s), not the whole recording with its silences.
    const seconds = (upload.length - 44) / 2 / upload.readUInt32LE(24);
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(samples.length / 16000 + 1);
  });
});
