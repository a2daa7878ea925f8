import { z } from 'zod';
import { DisplayName, Id, Timestamp } from './common.ts';
import { Role } from './role.ts';

export const SpaceInput = z.object({
  name: DisplayName,
  /** Hosts HTTP tools may reach although they resolve to private addresses (on-prem systems). */
  toolHostAllowList: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(100).default([]),
  /**
   * Hosts outbound webhooks may reach although they resolve to private addresses, and the only
   * hosts they may reach over plain `http`; every other endpoint is `https` to a public address.
   * Entries as for tools: a host name, `*.suffix`, an IP address or a CIDR block.
   */
  webhookHostAllowList: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(100).default([]),
});
export type SpaceInput = z.infer<typeof SpaceInput>;

export const Space = SpaceInput.extend({
  id: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** The caller's role in this space (absent for service principals). */
  role: Role.optional(),
});
export type Space = z.infer<typeof Space>;

export const MemberInput = z.object({
  /** The OIDC subject of the user to add. */
  subject: z.string().min(1).max(255),
  /** How this space knows the member; kept on the membership, never written to the user's profile. */
  email: z.email().optional(),
  role: Role,
});
export type MemberInput = z.infer<typeof MemberInput>;

/** A PATCH of a membership: its role, and the address this space knows the member by. */
export const MemberUpdate = z.object({ role: Role, email: z.email().optional() });

export const Member = z.object({
  userId: Id,
  spaceId: Id,
  subject: z.string(),
  email: z.string().nullable(),
  role: Role,
  createdAt: Timestamp,
});
export type Member = z.infer<typeof Member>;
