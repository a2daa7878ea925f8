import { createHash } from 'node:crypto';
import type { TelephonyProvider } from './phone-number.ts';

/**
 * The call id of a provider's call, derived from the provider's own id (a name-based UUID, version
 * 8, over `<provider>-call:<id>`). The webhook receiver puts it in its TwiML, control creates the
 * call record under it, the bridge and LiveKit SIP attributes carry it: all name the same call
 * without asking each other, and a redelivered event creates nothing twice.
 */
export function callIdForProviderCall(provider: TelephonyProvider, providerCallId: string): string {
  const bytes = createHash('sha256').update(`${provider}-call:${providerCallId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
