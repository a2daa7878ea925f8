import { z } from 'zod';
import { E164, Id, Timestamp } from './common.ts';
import { TelephonyProvider } from './phone-number.ts';

export const CallChannel = z.enum(['test', 'widget', 'phone']);
export type CallChannel = z.infer<typeof CallChannel>;

/** How a conversation is carried: a LiveKit room (browser or phone), or text messages through control. */
export const CallTransport = z.enum(['voice', 'text']);
export type CallTransport = z.infer<typeof CallTransport>;

export const CALL_STATUSES = ['created', 'ringing', 'in_progress', 'ended', 'failed'] as const;
export const CallStatus = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof CallStatus>;

const NEXT_STATUSES: Record<CallStatus, readonly CallStatus[]> = {
  created: ['ringing', 'in_progress', 'ended', 'failed'],
  ringing: ['in_progress', 'ended', 'failed'],
  in_progress: ['ended', 'failed'],
  ended: [],
  failed: [],
};

/** Calls only move forward: `created → ringing → in_progress → ended | failed`. */
export function canMoveCall(from: CallStatus, to: CallStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

export const CallEndReason = z.enum([
  'caller_hangup',
  'agent_hangup',
  'transferred',
  'max_duration',
  'silence_timeout',
  'provider_error',
  'no_answer',
  'busy',
  'canceled',
  'error',
  /** An outbound call answered by a voicemail greeting (answering-machine detection). */
  'voicemail',
]);
export type CallEndReason = z.infer<typeof CallEndReason>;

/** What the dispatch carries to the agent worker (LiveKit agent dispatch metadata, JSON). */
export const DispatchMetadata = z.object({
  callId: Id,
  agentId: Id,
  spaceId: Id,
  channel: CallChannel,
});
export type DispatchMetadata = z.infer<typeof DispatchMetadata>;

/**
 * What a SIP-mode number's dispatch rule carries (`roomConfig.agents`): LiveKit SIP creates the
 * caller's room and dispatches the agent before control has seen the call, so there is no call id
 * yet; the agent asks control for the call of the SIP caller in its room (`InternalPaths.sipCall`).
 */
export const SipDispatchMetadata = z.object({
  phoneNumberId: Id,
  spaceId: Id,
  agentId: Id,
  channel: z.literal('phone'),
});
export type SipDispatchMetadata = z.infer<typeof SipDispatchMetadata>;

export const ToolCallRecord = z.object({
  name: z.string(),
  arguments: z.string().max(65_536),
  output: z.string().max(65_536).optional(),
  isError: z.boolean().default(false),
  durationMs: z.number().nonnegative().optional(),
});

export const TranscriptTurn = z.object({
  speaker: z.enum(['user', 'agent', 'system']),
  text: z.string().max(65_536),
  startedAt: Timestamp,
  endedAt: Timestamp.optional(),
  interrupted: z.boolean().default(false),
  toolCalls: z.array(ToolCallRecord).max(32).default([]),
});
export type TranscriptTurn = z.infer<typeof TranscriptTurn>;

export const CallUsage = z.object({
  callSeconds: z.number().nonnegative().default(0),
  sttSeconds: z.number().nonnegative().default(0),
  ttsCharacters: z.number().int().nonnegative().default(0),
  llmPromptTokens: z.number().int().nonnegative().default(0),
  llmCompletionTokens: z.number().int().nonnegative().default(0),
  toolCalls: z.number().int().nonnegative().default(0),
});
export type CallUsage = z.infer<typeof CallUsage>;

export const Call = z.object({
  id: Id,
  spaceId: Id,
  agentId: Id,
  channel: CallChannel,
  transport: CallTransport,
  status: CallStatus,
  roomName: z.string(),
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
  provider: TelephonyProvider.nullable(),
  providerCallId: z.string().nullable(),
  fromNumber: E164.nullable(),
  toNumber: E164.nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  durationSeconds: z.number().nonnegative().nullable(),
  endReason: CallEndReason.nullable(),
  /** Why the call failed, in words an admin can act on (e.g. "TTS credential rejected by ElevenLabs"). */
  failureReason: z.string().nullable(),
  recordingKey: z.string().nullable(),
});
export type Call = z.infer<typeof Call>;

/** `{callId, serverUrl, token}`: what a client needs to join the call's LiveKit room. */
export const SessionGrant = z.object({
  callId: Id,
  serverUrl: z.string(),
  token: z.string(),
});
export type SessionGrant = z.infer<typeof SessionGrant>;
