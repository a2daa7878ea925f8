import { z } from 'zod';
import { DisplayName, HttpUrl, Id, LanguageTag, Timestamp } from './common.ts';

/** Any OpenAI-compatible chat completions endpoint: OpenAI, vLLM, Ollama, aggregators. */
export const LlmSettings = z.object({
  provider: z.literal('openai-compatible'),
  /** Omit for api.openai.com. */
  baseUrl: HttpUrl.optional(),
  model: z.string().min(1).max(200),
  /** Credential holding the API key; local servers often need none. */
  credentialId: Id.optional(),
  temperature: z.number().min(0).max(2).default(0.7),
  maxOutputTokens: z.number().int().min(1).max(32_000).optional(),
});
export type LlmSettings = z.infer<typeof LlmSettings>;

export const STT_PROVIDERS = ['speaknode-models', 'openai', 'deepgram'] as const;
export const SttSettings = z.discriminatedUnion('provider', [
  /** The self-hosted models host (Parakeet); no credential, stays on-prem. */
  z.object({
    provider: z.literal('speaknode-models'),
    model: z.string().min(1).max(200).default('parakeet-tdt-0.6b-v2'),
  }),
  z.object({
    provider: z.literal('openai'),
    model: z.string().min(1).max(200).default('gpt-4o-mini-transcribe'),
    baseUrl: HttpUrl.optional(),
    credentialId: Id,
  }),
  z.object({ provider: z.literal('deepgram'), model: z.string().min(1).max(200).default('nova-3'), credentialId: Id }),
]);
export type SttSettings = z.infer<typeof SttSettings>;

export const TTS_PROVIDERS = ['speaknode-models', 'openai', 'elevenlabs', 'cartesia', 'deepgram'] as const;
const ttsCommon = {
  model: z.string().min(1).max(200),
  voice: z.string().min(1).max(200),
  credentialId: Id,
};
export const TtsSettings = z.discriminatedUnion('provider', [
  /** A Piper voice on the self-hosted models host; no credential, stays on-prem. */
  z.object({
    provider: z.literal('speaknode-models'),
    model: z.string().min(1).max(200).default('piper'),
    voice: z.string().min(1).max(200),
  }),
  z.object({ provider: z.literal('openai'), baseUrl: HttpUrl.optional(), ...ttsCommon }),
  z.object({ provider: z.literal('elevenlabs'), ...ttsCommon }),
  z.object({ provider: z.literal('cartesia'), ...ttsCommon }),
  z.object({ provider: z.literal('deepgram'), ...ttsCommon }),
]);
export type TtsSettings = z.infer<typeof TtsSettings>;

export const TurnSettings = z.object({
  /** How end of turn is decided: by voice activity alone, or by the STT's endpointing. */
  detection: z.enum(['vad', 'stt']).default('vad'),
  minEndpointingDelayMs: z.number().int().min(0).max(10_000).default(500),
  maxEndpointingDelayMs: z.number().int().min(0).max(30_000).default(6_000),
});

export const InterruptionSettings = z.object({
  enabled: z.boolean().default(true),
  /** Caller speech shorter than this does not cut the agent off. */
  minDurationMs: z.number().int().min(0).max(5_000).default(200),
  minWords: z.number().int().min(0).max(20).default(0),
  /**
   * A cut that the caller does not follow with words (a cough, "mm-hm") was a false interruption:
   * the agent pauses instead of dropping its reply, and resumes its sentence when the caller has
   * been silent this long without a transcript. `0`: an interruption always ends the reply (a number,
   * not `null`, since a merge-patch `null` restores the default).
   */
  falseInterruptionResumeMs: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .refine((ms) => ms === 0 || ms >= 200, 'falseInterruptionResumeMs is 0 (off) or 200 to 10000 ms')
    .default(1_500),
});
export const DEFAULT_INTERRUPTION = {
  enabled: true,
  minDurationMs: 200,
  minWords: 0,
  falseInterruptionResumeMs: 1_500,
};

/** Keys the caller presses on a phone call (DTMF), and keys the agent may press. */
export const KeypadSettings = z.object({
  /** Give the caller's digits to the agent as their input. */
  enabled: z.boolean().default(true),
  /** The key that ends an entry at once; `none`: entries end only by the timeout or the length. */
  terminator: z.enum(['#', '*', 'none']).default('#'),
  /** An entry ends this long after the last key. */
  interDigitTimeoutMs: z.number().int().min(500).max(10_000).default(2_000),
  /** An entry ends at this many digits. */
  maxDigits: z.number().int().min(1).max(32).default(16),
  /** The built-in `send_dtmf` tool: the agent presses keys itself (IVR navigation). */
  sendDtmfEnabled: z.boolean().default(false),
});
export const DEFAULT_KEYPAD = {
  enabled: true,
  terminator: '#',
  interDigitTimeoutMs: 2_000,
  maxDigits: 16,
  sendDtmfEnabled: false,
} as const;

export const CallLimits = z.object({
  maxDurationSeconds: z
    .number()
    .int()
    .min(10)
    .max(4 * 3600)
    .default(1800),
  /** Hang up after this long with nobody speaking. */
  silenceTimeoutSeconds: z.number().int().min(5).max(600).default(30),
});

export const TransferSettings = z.object({
  enabled: z.boolean().default(false),
  /** Numbers (E.164) or SIP URIs the agent may transfer to; empty means none. */
  destinations: z.array(z.string().min(3).max(255)).max(20).default([]),
});

export const WidgetSettings = z.object({
  allowedOrigins: z
    .array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin))
    .max(50)
    .default([]),
  voiceEnabled: z.boolean().default(true),
  textEnabled: z.boolean().default(true),
  appearance: z
    .object({
      title: z.string().max(80).optional(),
      accentColor: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour such as #3355ff')
        .optional(),
      position: z.enum(['bottom-right', 'bottom-left', 'inline']).default('bottom-right'),
    })
    .default({ position: 'bottom-right' }),
});

/** What an admin writes: the whole configuration of one voice agent. */
export const AgentInput = z.object({
  name: DisplayName,
  description: z.string().max(2000).default(''),
  prompt: z.string().min(1, 'must not be empty').max(32_000),
  greeting: z.string().max(2000).optional(),
  language: LanguageTag.default('en-US'),
  llm: LlmSettings,
  stt: SttSettings,
  tts: TtsSettings,
  /** HTTP tools of the same space, by id. */
  toolIds: z.array(Id).max(64).default([]),
  endCallEnabled: z.boolean().default(true),
  transfer: TransferSettings.default({ enabled: false, destinations: [] }),
  turn: TurnSettings.default({ detection: 'vad', minEndpointingDelayMs: 500, maxEndpointingDelayMs: 6000 }),
  interruption: InterruptionSettings.default(DEFAULT_INTERRUPTION),
  keypad: KeypadSettings.default(DEFAULT_KEYPAD),
  limits: CallLimits.default({ maxDurationSeconds: 1800, silenceTimeoutSeconds: 30 }),
  recordingEnabled: z.boolean().default(false),
  widget: WidgetSettings.default({
    allowedOrigins: [],
    voiceEnabled: true,
    textEnabled: true,
    appearance: { position: 'bottom-right' },
  }),
});
export type AgentInput = z.infer<typeof AgentInput>;

export const Agent = AgentInput.extend({
  id: Id,
  spaceId: Id,
  /** Identifies the agent to the public widget endpoints; safe to embed in a web page. */
  publishableKey: z.string().regex(/^pk_[A-Za-z0-9_-]{16,}$/),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Agent = z.infer<typeof Agent>;

/** What the widget may learn about an agent from its publishable key, and nothing more. */
export const PublicAgent = z.object({
  name: z.string(),
  greeting: z.string().nullable(),
  voiceEnabled: z.boolean(),
  textEnabled: z.boolean(),
  appearance: WidgetSettings.shape.appearance,
});
export type PublicAgent = z.infer<typeof PublicAgent>;
