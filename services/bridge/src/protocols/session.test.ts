import { describe, expect, it } from 'vitest';
import { decodeBase64 } from './session.ts';

describe('decodeBase64', () => {
  it('decodes canonical base64', () => {
    const bytes = Uint8Array.from({ length: 161 }, (_, i) => (i * 37) & 0xff);
    expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(Buffer.from(bytes));
  });

  it.each([
    ['empty', ''],
    ['characters outside the alphabet', '!!!not base64!!!'],
    ['missing padding', 'AAA'],
    ['the URL-safe alphabet', 'AA-_'],
    ['whitespace', 'AAAA AAAA'],
    ['padding in the middle', 'AA==AAAA'],
    ['non-zero bits after the last byte', 'AB=='],
  ])('refuses %s', (_, text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});
