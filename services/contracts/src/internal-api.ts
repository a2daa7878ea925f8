/**
 * Control's internal endpoints, called by the other services with a client-credentials token
 * (`Authorization: Bearer …`, a token whose `roles`/`scope` carry the service role). Paths are
 * relative to `CONTROL_URL`. Both sides validate with these schemas.
 */
import { z } from 'zod';
import { AgentInput } from './domain/agent.ts';
import { CallEndReason, CallStatus, CallUsage, TranscriptTurn } from './domain/call.ts';
import { E164, Id } from './domain/common.ts';
import { NumberMode, TelephonyProvider } from './domain/phone-number.ts';
import { HttpToolInput } from './domain/tool.ts';

/** The service roles a client-credentials token may carry. */
export const ServiceRole = z.enum(['service:webhooks', 'service:bridge', 'service:agent']);
export type ServiceRole = z.infer<typeof ServiceRole>;

export const InternalPaths = {
  /** GET ?provider=twilio&number=%2B14155550100 → PhoneNumberLookup, 404 when no space has the number. */
  phoneNumberLookup: '/internal/v1/phone-numbers/lookup',
  /** GET → AgentRuntimeConfig (for the agent worker). */
  agentRuntimeConfig: (agentId: string) => `/internal/v1/agents/${encodeURIComponent(agentId)}/runtime-config`,
  /** GET → CallSummary. */
  call: (callId: string) => `/internal/v1/calls/${encodeURIComponent(callId)}`,
  /** POST ParticipantTokenRequest → SessionGrant (for the media bridge joining as the caller). */
  participantToken: (callId: string) => `/internal/v1/calls/${encodeURIComponent(callId)}/participant-token`,
  /** POST CallUpdate → 204. */
  callUpdate: (callId: string) => `/internal/v1/calls/${encodeURIComponent(callId)}/updates`,
  /** POST TranscriptAppend → 204; turns are appended in order, idempotent by `sequence`. */
  transcript: (callId: string) => `/internal/v1/calls/${encodeURIComponent(callId)}/transcript`,
  /** POST CallUsageReport → 204; the final usage of the call, reported once at its end. */
  usage: (callId: string) => `/internal/v1/calls/${encodeURIComponent(callId)}/usage`,
  /** POST SipCallRequest → SipCallAnswer: the call of a SIP caller (found or created), for a dispatch rule's agent. */
  sipCall: '/internal/v1/sip-calls',
} as const;

export const PhoneNumberLookup = z.object({
  phoneNumberId: Id,
  spaceId: Id,
  agentId: Id,
  provider: TelephonyProvider,
  number: E164,
  mode: NumberMode,
  /** The provider account's secret (Twilio auth token, VoxImplant callback secret), decrypted, when configured. */
  accountSecret: z.string().nullable(),
  /** Non-secret provider settings of the credential, e.g. `accountSid`. */
  accountSettings: z.record(z.string(), z.string()),
});
export type PhoneNumberLookup = z.infer<typeof PhoneNumberLookup>;

/** A credential as the agent worker receives it: resolved, decrypted, kept in memory only. */
export const ResolvedCredential = z.object({
  id: Id,
  kind: z.string(),
  secret: z.string(),
  settings: z.record(z.string(), z.string()),
});
export type ResolvedCredential = z.infer<typeof ResolvedCredential>;

export const AgentRuntimeConfig = z.object({
  agentId: Id,
  spaceId: Id,
  /** Monotonic per agent: a cache keyed by (agentId, version) never serves a stale configuration. */
  version: z.string(),
  agent: AgentInput,
  tools: z.array(HttpToolInput.extend({ id: Id })),
  /** Credentials referenced by the agent and its tools, by id. */
  credentials: z.record(z.string(), ResolvedCredential),
  /** Hosts HTTP tools may reach although they resolve to private addresses. */
  toolHostAllowList: z.array(z.string()),
});
export type AgentRuntimeConfig = z.infer<typeof AgentRuntimeConfig>;

export const CallSummary = z.object({
  callId: Id,
  spaceId: Id,
  agentId: Id,
  channel: z.enum(['test', 'widget', 'phone']),
  status: CallStatus,
  roomName: z.string(),
  fromNumber: z.string().nullable(),
  toNumber: z.string().nullable(),
  provider: TelephonyProvider.nullable(),
  /**
   * What the agent's `{{name}}` placeholders are filled with: an outbound call's variables; on any
   * phone call `phone_number` (the caller's number inbound, the called one outbound).
   */
  variables: z.record(z.string(), z.string()).optional(),
});
export type CallSummary = z.infer<typeof CallSummary>;

export const ParticipantTokenRequest = z.object({
  /** e.g. `phone-<callId>` */
  identity: z.string().min(1).max(128),
  name: z.string().max(128).optional(),
  attributes: z.record(z.string(), z.string()).default({}),
});
export type ParticipantTokenRequest = z.infer<typeof ParticipantTokenRequest>;

/**
 * The space and agent a service acts for on a call (the agent worker: its dispatch's `spaceId`
 * and `agentId`). Control answers 404 when the call is not that space's call of that agent, so a
 * worker running one space's agent cannot write into another space's call. Required from the agent
 * worker; the webhook receiver and the bridge may send it.
 */
export const CallScope = z.object({ spaceId: Id, agentId: Id });
export type CallScope = z.infer<typeof CallScope>;

export const CallUpdate = z.object({
  status: CallStatus.optional(),
  endReason: CallEndReason.optional(),
  /** Why the call failed, in words an admin can act on. */
  failureReason: z.string().max(2000).optional(),
  providerCallId: z.string().max(200).optional(),
  ...CallScope.partial().shape,
});
export type CallUpdate = z.infer<typeof CallUpdate>;

export const TranscriptAppend = z.object({
  /** Position of the first turn in the call's transcript, so a retried post is not appended twice. */
  sequence: z.number().int().nonnegative(),
  turns: z.array(TranscriptTurn).min(1).max(100),
  ...CallScope.partial().shape,
});
export type TranscriptAppend = z.infer<typeof TranscriptAppend>;

/**
 * The agent a SIP number's dispatch rule sent into a room asks for the call of the SIP caller it
 * found there; `spaceId` and `agentId` are the rule's, and must be the number's (else 404).
 */
export const SipCallRequest = z.object({
  roomName: z.string().min(1).max(256),
  participantSid: z.string().min(1).max(256),
  attributes: z.record(z.string().max(256), z.string().max(4096)),
  ...CallScope.shape,
});
export type SipCallRequest = z.infer<typeof SipCallRequest>;
export const SipCallAnswer = z.object({ callId: Id });
export type SipCallAnswer = z.infer<typeof SipCallAnswer>;

/** The body of `usage`: the call's final usage and the scope it is reported for. */
export const CallUsageReport = CallUsage.extend(CallScope.partial().shape);
export type CallUsageReport = z.infer<typeof CallUsageReport>;
