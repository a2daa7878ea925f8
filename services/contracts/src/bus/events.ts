import { z } from 'zod';
import { CallChannel, CallEndReason, CallStatus, CallUsage } from '../domain/call.ts';
import { E164, Id } from '../domain/common.ts';
import { summarizeIssues } from '../validation.ts';
import { defineEvent, type EventDefinition, EventEnvelope, EventValidationError } from './envelope.ts';
import { Topics } from './topics.ts';

const StringRecord = z.record(z.string(), z.string());

// --- webhooks.twilio: what Twilio posted, after its signature was checked.

export const TwilioCallIncoming = defineEvent({
  type: 'twilio.call.incoming',
  topic: Topics.webhooksTwilio,
  schemaVersion: 1,
  data: z.object({
    callSid: z.string().min(1),
    accountSid: z.string().min(1),
    from: z.string(),
    to: z.string(),
    /** The number's configuration as the receiver found it, when it knew the number. */
    phoneNumberId: Id.optional(),
    agentId: Id.optional(),
    mode: z.enum(['sip', 'stream']).optional(),
    /**
     * The platform's call id the receiver handed to the bridge or LiveKit SIP (TwiML parameters / SIP
     * headers), derived from the CallSid: control creates the call record under this id.
     */
    callId: Id.optional(),
    params: StringRecord,
  }),
});

export const TwilioCallStatus = defineEvent({
  type: 'twilio.call.status',
  topic: Topics.webhooksTwilio,
  schemaVersion: 1,
  data: z.object({
    callSid: z.string().min(1),
    accountSid: z.string().min(1),
    callStatus: z.string().min(1),
    callDurationSeconds: z.number().int().nonnegative().optional(),
    params: StringRecord,
  }),
});

export const TwilioCallback = defineEvent({
  type: 'twilio.callback',
  topic: Topics.webhooksTwilio,
  schemaVersion: 1,
  data: z.object({
    /** e.g. `recording`, `transcription`: the path segment Twilio called. */
    kind: z.string().min(1).max(64),
    callSid: z.string().optional(),
    accountSid: z.string().optional(),
    params: StringRecord,
  }),
});

// --- webhooks.voximplant

export const VoximplantCallback = defineEvent({
  type: 'voximplant.callback',
  topic: Topics.webhooksVoximplant,
  schemaVersion: 1,
  data: z.object({
    accountId: z.string().min(1),
    callId: z.string().optional(),
    event: z.string().optional(),
    payload: z.record(z.string(), z.unknown()),
  }),
});

// --- webhooks.livekit

export const LivekitWebhook = defineEvent({
  type: 'livekit.webhook',
  topic: Topics.webhooksLivekit,
  schemaVersion: 1,
  data: z.object({
    /** LiveKit's event name: room_started, room_finished, participant_left, egress_ended, … */
    event: z.string().min(1),
    roomName: z.string().optional(),
    roomSid: z.string().optional(),
    participantIdentity: z.string().optional(),
    egressId: z.string().optional(),
    /** The whole WebhookEvent as LiveKit sent it (protobuf JSON). */
    payload: z.record(z.string(), z.unknown()),
  }),
});

// --- webhooks.inbound: admin-configured routes for arbitrary senders.

export const InboundWebhookReceived = defineEvent({
  type: 'inbound.received',
  topic: Topics.webhooksInbound,
  schemaVersion: 1,
  data: z.object({
    routeKey: z.string().min(1),
    /** The name of the routing rule that matched. */
    rule: z.string().optional(),
    contentType: z.string(),
    /** Parsed JSON when the body was JSON, otherwise the raw text. */
    body: z.unknown(),
  }),
});

// --- control.events: platform events, also the source of outbound customer webhooks.

const CallRef = z.object({ callId: Id, agentId: Id, channel: CallChannel });

export const CallStarted = defineEvent({
  type: 'call.started',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: CallRef.extend({ fromNumber: E164.nullable().default(null), toNumber: E164.nullable().default(null) }),
});

export const CallStatusChanged = defineEvent({
  type: 'call.status_changed',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: CallRef.extend({ from: CallStatus, to: CallStatus }),
});

export const CallEnded = defineEvent({
  type: 'call.ended',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: CallRef.extend({
    status: z.enum(['ended', 'failed']),
    durationSeconds: z.number().nonnegative().nullable(),
    endReason: CallEndReason.nullable(),
    failureReason: z.string().nullable(),
  }),
});

export const CallTranscriptReady = defineEvent({
  type: 'call.transcript.ready',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: CallRef.extend({ turns: z.number().int().nonnegative() }),
});

export const CallRecordingReady = defineEvent({
  type: 'call.recording.ready',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: CallRef.extend({ recordingKey: z.string() }),
});

export const UsageUpdated = defineEvent({
  type: 'usage.updated',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: z.object({ callId: Id, agentId: Id, usage: CallUsage }),
});

const CampaignCounts = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  dialling: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
});

export const CampaignStarted = defineEvent({
  type: 'campaign.started',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: z.object({ campaignId: Id, agentId: Id, name: z.string(), progress: CampaignCounts }),
});

/** A campaign finished: every contact done (`completed`) or the campaign was cancelled. */
export const CampaignCompleted = defineEvent({
  type: 'campaign.completed',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: z.object({
    campaignId: Id,
    agentId: Id,
    status: z.enum(['completed', 'cancelled']),
    progress: CampaignCounts,
  }),
});

/** One contact of a campaign is done: answered (or a voicemail), out of tries, or skipped (do-not-call). */
export const CampaignContactCompleted = defineEvent({
  type: 'campaign.contact.completed',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: z.object({
    campaignId: Id,
    contactId: Id,
    number: z.string(),
    status: z.enum(['completed', 'failed', 'skipped']),
    attempts: z.number().int(),
    lastOutcome: z.string().nullable(),
    /** The contact's calls, first try first. */
    callIds: z.array(Id),
    variables: StringRecord,
  }),
});

export const ResourceChanged = defineEvent({
  type: 'resource.changed',
  topic: Topics.controlEvents,
  schemaVersion: 1,
  data: z.object({
    resource: z.enum([
      'space',
      'member',
      'agent',
      'tool',
      'phone_number',
      'credential',
      'webhook',
      'api_key',
      'campaign',
    ]),
    resourceId: z.string(),
    action: z.enum(['created', 'updated', 'deleted']),
  }),
});

/** Every event type the platform knows, by type. */
export const EVENT_DEFINITIONS = Object.fromEntries(
  [
    TwilioCallIncoming,
    TwilioCallStatus,
    TwilioCallback,
    VoximplantCallback,
    LivekitWebhook,
    InboundWebhookReceived,
    CallStarted,
    CallStatusChanged,
    CallEnded,
    CallTranscriptReady,
    CallRecordingReady,
    UsageUpdated,
    CampaignStarted,
    CampaignCompleted,
    CampaignContactCompleted,
    ResourceChanged,
  ].map((definition) => [definition.type, definition as EventDefinition]),
) as Readonly<Record<string, EventDefinition>>;

/**
 * Validates an envelope read off the bus, then its data against the schema of its type.
 * An unknown type or a newer schema version than this code knows is an error, not a guess.
 */
export function parseEvent(raw: unknown): EventEnvelope {
  const envelope = EventEnvelope.safeParse(raw);
  if (!envelope.success) {
    throw new EventValidationError(`bad event envelope: ${summarizeIssues(envelope.error)}`, envelope.error);
  }
  const definition = EVENT_DEFINITIONS[envelope.data.type];
  if (!definition) {
    throw new EventValidationError(`unknown event type "${envelope.data.type}"`, undefined);
  }
  if (envelope.data.schemaVersion > definition.schemaVersion) {
    throw new EventValidationError(
      `${envelope.data.type}: schema version ${envelope.data.schemaVersion} is newer than the ${definition.schemaVersion} this service understands`,
      undefined,
    );
  }
  const data = definition.data.safeParse(envelope.data.data);
  if (!data.success) {
    throw new EventValidationError(`${envelope.data.type}: bad data: ${summarizeIssues(data.error)}`, data.error);
  }
  return { ...envelope.data, data: data.data };
}
