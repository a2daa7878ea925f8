import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A UUID (version 8, name-based) derived from `name`: the same provider id always gives the same
 * platform id, so a retried webhook and the service that consumes it agree without asking anyone.
 */
export function uuidFromName(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An id part from sender input: kept when short and plain, hashed otherwise, so envelope ids stay within bounds. */
export function idPart(value: string): string {
  return /^[A-Za-z0-9._:+-]{1,100}$/.test(value) ? value : `h${sha256Hex(value).slice(0, 32)}`;
}
