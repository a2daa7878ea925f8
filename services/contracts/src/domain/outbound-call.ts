import { z } from 'zod';
import { Id, Timestamp } from './common.ts';

/** A `{{name}}` placeholder's name in an agent's prompt or greeting, and a call variable's name. */
export const VariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be letters, digits and _ (up to 64), not starting with a digit');

/** Values the agent's `{{name}}` placeholders are filled with for one call. */
export const CallVariables = z
  .record(VariableName, z.string().max(2000))
  .refine((v) => Object.keys(v).length <= 50, { message: 'at most 50 variables' });
export type CallVariables = z.infer<typeof CallVariables>;

/** `POST /spaces/{spaceId}/calls`: the agent calls `to` from one of the space's numbers. */
export const OutboundCallInput = z
  .object({
    agentId: Id,
    /** The id of the space's phone number the call is placed from (its caller ID). */
    from: Id,
    /** The called number; any form libphonenumber-js reads as a valid number, stored as E.164. */
    to: z.string().min(3).max(32),
    variables: CallVariables.default({}),
    /**
     * Twilio numbers only: answering-machine detection. A voicemail greeting ends the call with
     * end reason `voicemail` instead of the agent talking to a machine.
     */
    answeringMachineDetection: z.boolean().default(false),
  })
  .strict();
export type OutboundCallInput = z.infer<typeof OutboundCallInput>;

/** A number the space must never call (outbound calls and campaigns skip it). */
export const DoNotCallInput = z
  .object({
    number: z.string().min(3).max(32),
    reason: z.string().max(500).optional(),
  })
  .strict();
export type DoNotCallInput = z.infer<typeof DoNotCallInput>;

export const DoNotCallEntry = z.object({
  spaceId: Id,
  number: z.string(),
  reason: z.string().nullable(),
  createdAt: Timestamp,
});
export type DoNotCallEntry = z.infer<typeof DoNotCallEntry>;
