/**
 * The agent builder's form model: flat strings and numbers that inputs bind to, made from an
 * Agent (or defaults) and turned back into the API's AgentInput. Validation is the API's: the
 * builder shows its `errors[]` beside the fields whose paths they name.
 */
import { CREDENTIAL_KINDS_FOR } from '@speaknode/contracts/credential-uses';
import type { Schemas } from './api/control-client.ts';

export type Agent = Schemas['Agent'];
export type AgentInput = Schemas['AgentInput'];
export type Credential = Schemas['Credential'];

export const STT_PROVIDERS = ['speaknode-models', 'openai', 'deepgram'] as const;
export const TTS_PROVIDERS = ['speaknode-models', 'openai', 'elevenlabs', 'cartesia', 'deepgram'] as const;

/** Which credential kinds a provider can use (what the credential pickers offer; control refuses the rest). */
export const CREDENTIAL_KINDS: Readonly<Record<string, readonly string[]>> = {
  ...CREDENTIAL_KINDS_FOR,
  'speaknode-models': [],
};

export interface AgentForm {
  name: string;
  description: string;
  prompt: string;
  greeting: string;
  language: string;
  llmBaseUrl: string;
  llmModel: string;
  llmCredentialId: string;
  llmTemperature: number;
  sttProvider: string;
  sttModel: string;
  sttCredentialId: string;
  ttsProvider: string;
  ttsModel: string;
  ttsVoice: string;
  ttsCredentialId: string;
  turnDetection: string;
  minEndpointingDelayMs: number;
  maxEndpointingDelayMs: number;
  interruptionEnabled: boolean;
  interruptionMinDurationMs: number;
  interruptionMinWords: number;
  maxDurationSeconds: number;
  silenceTimeoutSeconds: number;
  toolIds: string[];
  endCallEnabled: boolean;
  recordingEnabled: boolean;
  widgetAllowedOrigins: string;
  widgetTextEnabled: boolean;
  widgetVoiceEnabled: boolean;
}

export function newAgentForm(): AgentForm {
  return {
    name: '',
    description: '',
    prompt: '',
    greeting: '',
    language: 'en-US',
    llmBaseUrl: '',
    llmModel: '',
    llmCredentialId: '',
    llmTemperature: 0.7,
    sttProvider: 'speaknode-models',
    sttModel: '',
    sttCredentialId: '',
    ttsProvider: 'speaknode-models',
    ttsModel: '',
    ttsVoice: 'en_US-lessac-medium',
    ttsCredentialId: '',
    turnDetection: 'vad',
    minEndpointingDelayMs: 500,
    maxEndpointingDelayMs: 6000,
    interruptionEnabled: true,
    interruptionMinDurationMs: 500,
    interruptionMinWords: 0,
    maxDurationSeconds: 1800,
    silenceTimeoutSeconds: 30,
    toolIds: [],
    endCallEnabled: true,
    recordingEnabled: false,
    widgetAllowedOrigins: '',
    widgetTextEnabled: true,
    widgetVoiceEnabled: true,
  };
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

export function agentFormOf(agent: Agent): AgentForm {
  const stt = agent.stt as Record<string, unknown>;
  const tts = agent.tts as Record<string, unknown>;
  return {
    name: agent.name,
    description: agent.description ?? '',
    prompt: agent.prompt,
    greeting: agent.greeting ?? '',
    language: agent.language,
    llmBaseUrl: agent.llm.baseUrl ?? '',
    llmModel: agent.llm.model,
    llmCredentialId: agent.llm.credentialId ?? '',
    llmTemperature: agent.llm.temperature ?? 0.7,
    sttProvider: str(stt.provider),
    sttModel: str(stt.model),
    sttCredentialId: str(stt.credentialId),
    ttsProvider: str(tts.provider),
    ttsModel: str(tts.model),
    ttsVoice: str(tts.voice),
    ttsCredentialId: str(tts.credentialId),
    turnDetection: agent.turn.detection,
    minEndpointingDelayMs: agent.turn.minEndpointingDelayMs,
    maxEndpointingDelayMs: agent.turn.maxEndpointingDelayMs,
    interruptionEnabled: agent.interruption.enabled,
    interruptionMinDurationMs: agent.interruption.minDurationMs,
    interruptionMinWords: agent.interruption.minWords,
    maxDurationSeconds: agent.limits.maxDurationSeconds,
    silenceTimeoutSeconds: agent.limits.silenceTimeoutSeconds,
    toolIds: [...agent.toolIds],
    endCallEnabled: agent.endCallEnabled,
    recordingEnabled: agent.recordingEnabled,
    widgetAllowedOrigins: (agent.widget.allowedOrigins ?? []).join('\n'),
    widgetTextEnabled: agent.widget.textEnabled,
    widgetVoiceEnabled: agent.widget.voiceEnabled,
  };
}

/** Empty optional inputs are left out, so the API applies its defaults and names what is missing. */
function optional<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value.trim() ? ({ [key]: value.trim() } as Record<K, string>) : {};
}

export function agentInputOf(form: AgentForm): AgentInput {
  return {
    name: form.name,
    description: form.description,
    prompt: form.prompt,
    ...(form.greeting ? { greeting: form.greeting } : {}),
    language: form.language,
    llm: {
      provider: 'openai-compatible',
      model: form.llmModel,
      temperature: Number(form.llmTemperature),
      ...optional('baseUrl', form.llmBaseUrl),
      ...optional('credentialId', form.llmCredentialId),
    },
    stt: {
      provider: form.sttProvider,
      ...optional('model', form.sttModel),
      ...optional('credentialId', form.sttCredentialId),
    } as AgentInput['stt'],
    tts: {
      provider: form.ttsProvider,
      ...optional('model', form.ttsModel),
      ...optional('voice', form.ttsVoice),
      ...optional('credentialId', form.ttsCredentialId),
    } as AgentInput['tts'],
    turn: {
      detection: form.turnDetection as 'vad' | 'stt',
      minEndpointingDelayMs: Number(form.minEndpointingDelayMs),
      maxEndpointingDelayMs: Number(form.maxEndpointingDelayMs),
    },
    interruption: {
      enabled: form.interruptionEnabled,
      minDurationMs: Number(form.interruptionMinDurationMs),
      minWords: Number(form.interruptionMinWords),
    },
    limits: {
      maxDurationSeconds: Number(form.maxDurationSeconds),
      silenceTimeoutSeconds: Number(form.silenceTimeoutSeconds),
    },
    toolIds: form.toolIds,
    endCallEnabled: form.endCallEnabled,
    recordingEnabled: form.recordingEnabled,
    widget: {
      allowedOrigins: form.widgetAllowedOrigins
        .split(/\s+/)
        .map((o) => o.trim())
        .filter(Boolean),
      textEnabled: form.widgetTextEnabled,
      voiceEnabled: form.widgetVoiceEnabled,
    },
  };
}

/** The credentials a provider can use, for its picker. */
export function credentialsFor(provider: string, credentials: Credential[]): Credential[] {
  const kinds = CREDENTIAL_KINDS[provider] ?? [];
  return credentials.filter((c) => kinds.includes(c.kind));
}
