import { z } from 'zod';
import { E164, Id, Timestamp } from './common.ts';

export const TelephonyProvider = z.enum(['twilio', 'voximplant']);
export type TelephonyProvider = z.infer<typeof TelephonyProvider>;

/** `sip`: the provider dials LiveKit SIP. `stream`: audio arrives over WebSocket at the media bridge. */
export const NumberMode = z.enum(['sip', 'stream']);
export type NumberMode = z.infer<typeof NumberMode>;

export const PhoneNumberInput = z
  .object({
    provider: TelephonyProvider,
    number: E164,
    mode: NumberMode,
    agentId: Id,
    /** The provider account credential (Twilio auth token, VoxImplant callback secret). */
    credentialId: Id.optional(),
  })
  .refine((n) => n.provider !== 'voximplant' || n.mode === 'stream', {
    message: 'VoxImplant numbers always use mode "stream" (audio arrives through the media bridge)',
    path: ['mode'],
  });
export type PhoneNumberInput = z.infer<typeof PhoneNumberInput>;

export const PhoneNumber = z.object({
  id: Id,
  spaceId: Id,
  provider: TelephonyProvider,
  number: E164,
  mode: NumberMode,
  agentId: Id,
  credentialId: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PhoneNumber = z.infer<typeof PhoneNumber>;
