import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stt } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { AgentInput, type ResolvedCredential } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFrameworkLogger } from '../framework.ts';
import { buildLlm, buildStt, buildTts, buildVoiceProviders, ProviderSetupError } from './providers.ts';
import { SpeaknodeModelsSTT } from './speaknode-models-stt.ts';

const KEY = '99999999-0000-4000-8000-000000000001';
const credentials = (kind: string): Record<string, ResolvedCredential> => ({
  [KEY]: { id: KEY, kind, secret: 'secret-value', settings: {} },
});

function agent(overrides: Partial<AgentInput> = {}): AgentInput {
  return AgentInput.parse({
    name: 'A',
    prompt: 'p',
    llm: { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', credentialId: KEY },
    stt: { provider: 'deepgram', credentialId: KEY },
    tts: { provider: 'elevenlabs', model: 'eleven_flash_v2_5', voice: 'v1', credentialId: KEY },
    ...overrides,
  });
}

function setupError(fn: () => unknown): ProviderSetupError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderSetupError);
    return error as ProviderSetupError;
  }
  throw new Error('expected a ProviderSetupError');
}

beforeAll(() => ensureFrameworkLogger('silent'));

describe('provider construction from the agent configuration', () => {
  it('builds the plugins the agent names with its own keys', () => {
    const all = { ...credentials('deepgram') };
    const providers = buildVoiceProviders(
      agent({
        llm: { provider: 'openai-compatible', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', temperature: 0.7 },
        tts: { provider: 'deepgram', model: 'aura-2-thalia-en', voice: 'thalia', credentialId: KEY },
      }),
      all,
      { modelsUrl: 'http://127.0.0.1:1', vad: undefined },
    );
    expect(providers.llm.model).toBe('m');
    expect(providers.stt.label).toContain('deepgram');
    expect(providers.tts.label).toContain('deepgram');
  });

  it('names a missing credential, a credential of the wrong kind, and an LLM without a key', () => {
    expect(setupError(() => buildVoiceProviders(agent(), {}, { modelsUrl: 'x', vad: undefined })).message).toBe(
      `LLM provider openai: credential ${KEY} is missing (deleted, or not readable by the agent worker)`,
    );
    const wrongKind = setupError(() => buildTts(agent().tts, 'en-US', credentials('deepgram')));
    expect(wrongKind.component).toBe('tts');
    expect(wrongKind.message).toContain('is a credential of kind deepgram');
    const noKey = setupError(() => buildLlm({ provider: 'openai-compatible', model: 'gpt-4o', temperature: 0.7 }, {}));
    expect(noKey.message).toContain('has no credential configured');
  });

  it('lets a local OpenAI-compatible server run without a key', () => {
    const llm = buildLlm(
      { provider: 'openai-compatible', model: 'llama3', baseUrl: 'http://127.0.0.1:11434/v1', temperature: 0.2 },
      {},
    );
    expect(llm.model).toBe('llama3');
  });

  it('explains that Cartesia is not available in this build', () => {
    const error = setupError(() =>
      buildTts(
        { provider: 'cartesia', model: 'sonic-2', voice: 'v', credentialId: KEY },
        'en-US',
        credentials('cartesia'),
      ),
    );
    expect(error.message).toContain('cartesia is not available');
  });

  it('needs a VAD for the models host STT, which recognizes whole utterances', () => {
    const error = setupError(() =>
      buildStt(
        { provider: 'speaknode-models', model: 'parakeet-tdt-0.6b-v2' },
        'en-US',
        {},
        {
          modelsUrl: 'http://127.0.0.1:1',
          vad: undefined,
        },
      ),
    );
    expect(error.message).toContain('needs a VAD');
  });
});

describe('speaknode-models STT adapter against a local models host', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ path: string; type: string; bytes: Buffer }> = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', type: String(req.headers['content-type']), bytes: Buffer.concat(chunks) });
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ title: 'Service Unavailable', detail: 'model is still loading' }));
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ text: 'book a cleaning', language: 'en', durationSeconds: 0.5 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const halfSecond = () => new AudioFrame(new Int16Array(8000).fill(1000), 16000, 1, 8000);

  it('posts the utterance as WAV and returns a final transcript with its duration', async () => {
    const model = new SpeaknodeModelsSTT({ baseUrl: url, model: 'parakeet-tdt-0.6b-v2', language: 'en-US' });
    const event = await model.recognize([halfSecond()]);
    expect(event.type).toBe(stt.SpeechEventType.FINAL_TRANSCRIPT);
    expect(event.alternatives?.[0].text).toBe('book a cleaning');
    expect(event.recognitionUsage?.audioDuration).toBe(0.5);
    const request = seen.at(-1);
    expect(request?.path).toBe('/v1/stt/transcribe?model=parakeet-tdt-0.6b-v2&language=en-US');
    expect(request?.type).toBe('audio/wav');
    expect(request?.bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(request?.bytes.readUInt32LE(24)).toBe(16000);
    expect(request?.bytes.length).toBe(44 + 16000);
  });

  it('surfaces the host problem detail as an API error', async () => {
    status = 503;
    const model = new SpeaknodeModelsSTT({ baseUrl: url, model: 'parakeet-tdt-0.6b-v2', language: 'en-US' });
    await expect(model.recognize([halfSecond()])).rejects.toThrow(
      'the models host answered 503: model is still loading',
    );
    status = 200;
  });

  it('reports an unreachable host', async () => {
    const model = new SpeaknodeModelsSTT({ baseUrl: 'http://127.0.0.1:1', model: 'm', language: 'en-US' });
    await expect(model.recognize([halfSecond()])).rejects.toThrow(
      'the models host at http://127.0.0.1:1 is unreachable',
    );
  });
});
