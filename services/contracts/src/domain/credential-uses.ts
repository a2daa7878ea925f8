import type { CredentialKind } from './credential.ts';

/**
 * The credential kinds each use accepts, by the provider (or resource) that reads the secret: what
 * the console's pickers offer, and what control refuses at save otherwise. `generic` is any bearer
 * key, so it fits wherever an OpenAI-compatible server or an HTTP tool takes one.
 */
export const CREDENTIAL_KINDS_FOR = {
  'openai-compatible': ['openai', 'generic'],
  openai: ['openai', 'generic'],
  deepgram: ['deepgram'],
  elevenlabs: ['elevenlabs'],
  cartesia: ['cartesia'],
  'http-tool': ['http-tool', 'generic'],
  twilio: ['twilio'],
  voximplant: ['voximplant'],
} as const satisfies Record<string, readonly CredentialKind[]>;
export type CredentialUse = keyof typeof CREDENTIAL_KINDS_FOR;
