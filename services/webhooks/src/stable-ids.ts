import { createHash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** An id part from sender input: kept when short and plain, hashed otherwise, so envelope ids stay within bounds. */
export function idPart(value: string): string {
  return /^[A-Za-z0-9._:+-]{1,100}$/.test(value) ? value : `h${sha256Hex(value).slice(0, 32)}`;
}
