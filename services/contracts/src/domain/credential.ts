import { z } from 'zod';
import { DisplayName, Id, Timestamp } from './common.ts';

export const CredentialKind = z.enum([
  'openai',
  'deepgram',
  'elevenlabs',
  'cartesia',
  'twilio',
  'voximplant',
  'http-tool',
  'generic',
]);
export type CredentialKind = z.infer<typeof CredentialKind>;

/** Write-only: the secret goes in, and is never read back out of the API. */
export const CredentialInput = z.object({
  name: DisplayName,
  kind: CredentialKind,
  secret: z.string().min(1, 'must not be empty').max(16_384),
  /** Non-secret settings the provider needs, e.g. a Twilio account SID. */
  settings: z.record(z.string().max(64), z.string().max(1024)).default({}),
});
export type CredentialInput = z.infer<typeof CredentialInput>;

export const Credential = z.object({
  id: Id,
  spaceId: Id,
  name: z.string(),
  kind: CredentialKind,
  settings: z.record(z.string(), z.string()),
  /** Last four characters of the secret, so an admin can tell keys apart. */
  hint: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Credential = z.infer<typeof Credential>;

export const ApiKeyInput = z.object({
  name: DisplayName,
  role: z.enum(['viewer', 'editor', 'admin']),
});
export type ApiKeyInput = z.infer<typeof ApiKeyInput>;

export const ApiKey = z.object({
  id: Id,
  spaceId: Id,
  name: z.string(),
  role: z.enum(['viewer', 'editor', 'admin']),
  /** The first characters of the key, to recognise it; the key itself is shown once at creation. */
  prefix: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
