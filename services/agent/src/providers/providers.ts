/**
 * Builds the LLM, STT and TTS an agent's configuration names. Every key comes from the agent's
 * resolved credentials, never from this process's environment (a plugin would otherwise fall back
 * to OPENAI_API_KEY and bill the wrong account). A missing or unusable credential is a
 * `ProviderSetupError` whose message goes onto the call record as its failure reason.
 */
import { type llm, stt, type tts, type VAD } from '@livekit/agents';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import * as openai from '@livekit/agents-plugin-openai';
import type { AgentInput, LlmSettings, ResolvedCredential, SttSettings, TtsSettings } from '@speaknode/contracts';
import { SpeaknodeModelsSTT } from './speaknode-models-stt.ts';
import { SpeaknodeModelsTTS } from './speaknode-models-tts.ts';

export type ProviderComponent = 'llm' | 'stt' | 'tts';

export class ProviderSetupError extends Error {
  constructor(
    readonly component: ProviderComponent,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderSetupError';
  }
}

type Credentials = Readonly<Record<string, ResolvedCredential>>;

/** Where the self-hosted models host is (MODELS_URL) and its bearer token (MODELS_API_TOKEN), and the session's VAD. */
export interface ModelsHostOptions {
  modelsUrl: string;
  modelsToken?: string;
  vad: VAD | undefined;
}

const ACCEPTED_KINDS: Record<string, readonly string[]> = {
  openai: ['openai', 'generic'],
  deepgram: ['deepgram', 'generic'],
  elevenlabs: ['elevenlabs', 'generic'],
  cartesia: ['cartesia', 'generic'],
};

function secretFor(
  component: ProviderComponent,
  provider: string,
  credentialId: string | undefined,
  credentials: Credentials,
): string {
  const label = `${component.toUpperCase()} provider ${provider}`;
  if (!credentialId) throw new ProviderSetupError(component, `${label} has no credential configured`);
  const credential = credentials[credentialId];
  if (!credential) {
    throw new ProviderSetupError(
      component,
      `${label}: credential ${credentialId} is missing (deleted, or not readable by the agent worker)`,
    );
  }
  const kinds = ACCEPTED_KINDS[provider] ?? [provider];
  if (!kinds.includes(credential.kind)) {
    throw new ProviderSetupError(
      component,
      `${label}: credential ${credentialId} is a credential of kind ${credential.kind}`,
    );
  }
  if (!credential.secret.trim())
    throw new ProviderSetupError(component, `${label}: credential ${credentialId} is empty`);
  return credential.secret;
}

export function buildLlm(settings: LlmSettings, credentials: Credentials): llm.LLM {
  let apiKey: string;
  if (settings.credentialId) {
    apiKey = secretFor('llm', 'openai', settings.credentialId, credentials);
  } else if (settings.baseUrl) {
    // Local servers (vLLM, Ollama) usually take no key; the client still wants a non-empty one.
    apiKey = 'no-key';
  } else {
    throw new ProviderSetupError('llm', 'LLM provider openai-compatible (api.openai.com) has no credential configured');
  }
  return new openai.LLM({
    model: settings.model,
    apiKey,
    baseURL: settings.baseUrl ?? 'https://api.openai.com/v1',
    temperature: settings.temperature,
    ...(settings.maxOutputTokens ? { maxCompletionTokens: settings.maxOutputTokens } : {}),
  });
}

export function buildStt(
  settings: SttSettings,
  language: string,
  credentials: Credentials,
  options: ModelsHostOptions,
): stt.STT {
  const needsVad = (inner: stt.STT) => {
    if (inner.capabilities.streaming) return inner;
    if (!options.vad)
      throw new ProviderSetupError('stt', `STT provider ${settings.provider} needs a VAD to segment speech`);
    return new stt.StreamAdapter(inner, options.vad);
  };
  switch (settings.provider) {
    case 'speaknode-models':
      return needsVad(
        new SpeaknodeModelsSTT({
          baseUrl: options.modelsUrl,
          model: settings.model,
          language,
          ...(options.modelsToken ? { apiToken: options.modelsToken } : {}),
        }),
      );
    case 'openai':
      return needsVad(
        new openai.STT({
          apiKey: secretFor('stt', 'openai', settings.credentialId, credentials),
          model: settings.model,
          language,
          ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
        }),
      );
    case 'deepgram':
      return new deepgram.STT({
        apiKey: secretFor('stt', 'deepgram', settings.credentialId, credentials),
        model: settings.model as never,
        language,
      });
  }
}

export function buildTts(
  settings: TtsSettings,
  language: string,
  credentials: Credentials,
  options: Pick<ModelsHostOptions, 'modelsUrl' | 'modelsToken'> = { modelsUrl: 'http://127.0.0.1:8084' },
): tts.TTS {
  switch (settings.provider) {
    case 'speaknode-models':
      return new SpeaknodeModelsTTS({
        baseUrl: options.modelsUrl,
        voice: settings.voice,
        model: settings.model,
        ...(options.modelsToken ? { apiToken: options.modelsToken } : {}),
      });
    case 'openai':
      return new openai.TTS({
        apiKey: secretFor('tts', 'openai', settings.credentialId, credentials),
        model: settings.model,
        voice: settings.voice as never,
        ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
      });
    case 'elevenlabs':
      return new elevenlabs.TTS({
        apiKey: secretFor('tts', 'elevenlabs', settings.credentialId, credentials),
        model: settings.model,
        voiceId: settings.voice,
        language: language.split('-')[0],
      });
    case 'deepgram':
      return new deepgram.TTS({
        apiKey: secretFor('tts', 'deepgram', settings.credentialId, credentials),
        model: settings.model,
      });
    case 'cartesia':
      throw new ProviderSetupError(
        'tts',
        'TTS provider cartesia is not available in this agent worker (@livekit/agents-plugin-cartesia has no 1.9 release); pick openai, elevenlabs or deepgram',
      );
  }
}

export interface VoiceProviders {
  llm: llm.LLM;
  stt: stt.STT;
  tts: tts.TTS;
}

/** Everything a voice call needs; a text session builds the LLM alone. */
export function buildVoiceProviders(
  agent: AgentInput,
  credentials: Credentials,
  options: ModelsHostOptions,
): VoiceProviders {
  const wrap = <T>(component: ProviderComponent, build: () => T): T => {
    try {
      return build();
    } catch (error) {
      if (error instanceof ProviderSetupError) throw error;
      throw new ProviderSetupError(
        component,
        `${component.toUpperCase()} provider could not start: ${(error as Error).message}`,
      );
    }
  };
  return {
    llm: wrap('llm', () => buildLlm(agent.llm, credentials)),
    stt: wrap('stt', () => buildStt(agent.stt, agent.language, credentials, options)),
    tts: wrap('tts', () => buildTts(agent.tts, agent.language, credentials, options)),
  };
}
