import { z } from 'zod';
import { HttpUrl, Id, Timestamp } from './common.ts';

/** Platform events a customer endpoint can subscribe to. */
export const OUTBOUND_EVENT_TYPES = [
  'call.started',
  'call.ended',
  'call.failed',
  'call.transcript.ready',
  'call.recording.ready',
  'usage.updated',
  'campaign.started',
  'campaign.completed',
  'campaign.contact.completed',
] as const;
export const OutboundEventType = z.enum(OUTBOUND_EVENT_TYPES);
export type OutboundEventType = z.infer<typeof OutboundEventType>;

export const WebhookSubscriptionInput = z.object({
  url: HttpUrl,
  description: z.string().max(500).default(''),
  /** Empty means every event type. */
  eventTypes: z.array(OutboundEventType).max(OUTBOUND_EVENT_TYPES.length).default([]),
  enabled: z.boolean().default(true),
});
export type WebhookSubscriptionInput = z.infer<typeof WebhookSubscriptionInput>;

export const WebhookSubscription = WebhookSubscriptionInput.extend({
  id: Id,
  spaceId: Id,
  /** Set when the endpoint answered 410 Gone or was disabled by an admin. */
  disabledReason: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WebhookSubscription = z.infer<typeof WebhookSubscription>;

/** Returned once, at creation: the Standard Webhooks signing secret. */
export const WebhookSubscriptionCreated = WebhookSubscription.extend({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/),
});
