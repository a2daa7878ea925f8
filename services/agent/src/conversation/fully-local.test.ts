/**
 * Fully local mode: a voice conversation whose STT and TTS are the self-hosted models host
 * (@speaknode/models on synthetic Parakeet and Piper models, real Silero VAD) and whose LLM is a
 * local OpenAI-compatible server, built from the agent's configuration exactly as a call builds
 * it. An egress guard watches every outbound TCP connection this process opens and refuses any
 * to a host that is not one of those two.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { voice } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AudioFrame } from '@livekit/rtc-node';
import type { TranscriptAppend } from '@speaknode/contracts';
import { haveSpeechTools, speak } from '@speaknode/models/testing/speech.ts';
import { havePythonOnnx, PYTHON_ONNX_REASON } from '@speaknode/models/testing/synthetic-models.ts';
import {
  makeModelsFolder,
  SPEECH_MODEL,
  startTestHost,
  type TestHost,
  VOICE,
} from '@speaknode/models/testing/test-host.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFrameworkLogger } from '../framework.ts';
import { buildVoiceProviders } from '../providers/providers.ts';
import { CALL_ID, runtimeConfig } from '../testing/fixtures.ts';
import { InstantAudioOutput } from '../testing/instant-providers.ts';
import {
  lastUserText,
  type OpenAICompatibleServer,
  startOpenAICompatibleServer,
} from '../testing/openai-compatible-server.ts';
import { type CallReporter, Conversation } from './conversation.ts';

const ready = havePythonOnnx && haveSpeechTools;
if (!ready)
  console.info(
    `skipping the fully local conversation: ${havePythonOnnx ? 'espeak-ng and sox make its speech' : PYTHON_ONNX_REASON}`,
  );

/** Records every outbound connection; one to a host outside `allowed` fails before it is made. */
class EgressGuard {
  readonly seen: Array<{ host: string; port: number }> = [];
  readonly refused: Array<{ host: string; port: number }> = [];
  private readonly original = net.Socket.prototype.connect;

  constructor(private readonly allowed: Array<{ host: string; port: number }>) {}

  install(): void {
    const guard = this;
    const original = this.original;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      // net.connect() hands over its normalised [options, callback] pair as one array.
      const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const first = raw as { host?: string; port?: number; path?: string } | number | string;
      const target =
        typeof first === 'object' && first !== null
          ? { host: first.host ?? 'localhost', port: Number(first.port), path: first.path }
          : typeof first === 'number'
            ? { host: typeof args[1] === 'string' ? (args[1] as string) : 'localhost', port: first }
            : { host: 'unix', port: 0, path: String(first) };
      if (!('path' in target && target.path)) {
        guard.seen.push({ host: target.host, port: target.port });
        if (!guard.allowed.some((a) => a.host === target.host && a.port === target.port)) {
          guard.refused.push({ host: target.host, port: target.port });
          this.destroy(new Error(`egress guard: ${target.host}:${target.port} is outside the allowed hosts`));
          return this;
        }
      }
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  }

  uninstall(): void {
    net.Socket.prototype.connect = this.original;
  }
}

/** Plays silence, an utterance, then silence, in 10 ms frames at the real pace. */
class UtteranceInput extends voice.AudioInput {
  private timer: NodeJS.Timeout | undefined;
  constructor(samples: Int16Array) {
    super();
    const { ReadableStream } = globalThis as unknown as {
      ReadableStream: typeof import('node:stream/web').ReadableStream;
    };
    const leading = 16_000 * 0.5;
    const total = leading + samples.length + 16_000 * 30;
    let at = 0;
    this.multiStream.addInputStream(
      new ReadableStream<AudioFrame>({
        start: (controller) => {
          this.timer = setInterval(() => {
            const frame = new Int16Array(160);
            for (let i = 0; i < 160; i++) {
              const s = at + i - leading;
              frame[i] = s >= 0 && s < samples.length ? (samples[s] as number) : 0;
            }
            at += 160;
            if (at < total) controller.enqueue(new AudioFrame(frame, 16_000, 1, 160));
          }, 10);
        },
      }),
    );
  }
  stop() {
    clearInterval(this.timer);
  }
}

class RecordingOutput extends InstantAudioOutput {
  readonly rates = new Set<number>();
  samples = 0;
  override async captureFrame(frame: AudioFrame): Promise<void> {
    this.rates.add(frame.sampleRate);
    this.samples += frame.samplesPerChannel;
    await super.captureFrame(frame);
  }
}

(ready ? describe : describe.skip)('fully local mode', () => {
  let dir: string;
  let models: TestHost;
  let llm: OpenAICompatibleServer;

  beforeAll(async () => {
    ensureFrameworkLogger('silent');
    dir = mkdtempSync(join(tmpdir(), 'agent-local-'));
    await makeModelsFolder(dir);
    models = await startTestHost({ dir });
    llm = await startOpenAICompatibleServer(() => ({ text: 'We open at nine. See you then.' }));
  });

  afterAll(async () => {
    await models?.close();
    await llm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hears the caller through the models host, answers through the local LLM and speaks with a Piper voice, connecting nowhere else', async () => {
    const port = (url: string) => Number(new URL(url).port);
    const guard = new EgressGuard([
      { host: '127.0.0.1', port: port(models.url) },
      { host: '127.0.0.1', port: port(llm.url) },
    ]);
    const config = runtimeConfig(`${llm.url}/v1`, {
      agent: {
        stt: { provider: 'speaknode-models', model: SPEECH_MODEL },
        tts: { provider: 'speaknode-models', model: 'piper', voice: VOICE },
        llm: { provider: 'openai-compatible', baseUrl: `${llm.url}/v1`, model: 'local-model', temperature: 0.2 },
        turn: { detection: 'vad', minEndpointingDelayMs: 0, maxEndpointingDelayMs: 0 },
      },
    });
    const vad = await silero.VAD.load();
    guard.install();
    const turns: TranscriptAppend['turns'] = [];
    const reporter: CallReporter = {
      async callUpdate() {},
      async appendTranscript(_id, append) {
        turns.push(...append.turns);
      },
      async reportUsage() {},
    };
    const providers = buildVoiceProviders(config.agent, config.credentials, { modelsUrl: models.url, vad });
    const conversation = new Conversation({
      runtime: config,
      callId: CALL_ID,
      reporter,
      mode: 'voice',
      vad,
      ...providers,
    });
    const speech = speak('Hello, when do you open tomorrow?');
    const input = new UtteranceInput(Int16Array.from(speech, (v) => Math.round(v * 32767)));
    const output = new RecordingOutput();
    try {
      conversation.session.input.audio = input;
      conversation.session.output.audio = output;
      await conversation.start();
      await expect
        .poll(() => turns.find((t) => t.speaker === 'agent')?.text, { timeout: 30_000, interval: 100 })
        .toBe('We open at nine. See you then.');
      await conversation.end('caller_hangup');
    } finally {
      input.stop();
      guard.uninstall();
    }
    const user = turns.find((t) => t.speaker === 'user');
    // The synthetic recogniser turns speech into some of its tokens; what matters is that they came from the host.
    expect(user?.text.length).toBeGreaterThan(0);
    expect(lastUserText(llm.requests.at(-1) as never)).toBe(user?.text);
    expect((await models.metrics.sttAudioSeconds.get()).values[0]?.value).toBeGreaterThan(1);
    // The Piper voice spoke the reply (its 22,050 Hz frames resampled by the framework to the output's rate).
    expect((await models.metrics.ttsCharacters.get()).values[0]?.value).toBe('We open at nine. See you then.'.length);
    expect(output.rates).toEqual(new Set([24_000]));
    expect(output.samples).toBeGreaterThan(24_000 * 0.2);
    expect(guard.refused).toEqual([]);
    expect(guard.seen.length).toBeGreaterThan(0);
    expect(new Set(guard.seen.map((s) => `${s.host}:${s.port}`))).toEqual(
      new Set([`127.0.0.1:${port(models.url)}`, `127.0.0.1:${port(llm.url)}`]),
    );
  }, 60_000);

  it('the guard refuses a connection outside the allowed hosts', async () => {
    const outside = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    const outsidePort = (outside.address() as AddressInfo).port;
    const guard = new EgressGuard([{ host: '127.0.0.1', port: Number(new URL(models.url).port) }]);
    guard.install();
    try {
      await expect(fetch(`http://127.0.0.1:${outsidePort}/`)).rejects.toThrow();
      expect(guard.refused).toEqual([{ host: '127.0.0.1', port: outsidePort }]);
    } finally {
      guard.uninstall();
      await new Promise((resolve) => outside.close(resolve));
    }
  });
});
