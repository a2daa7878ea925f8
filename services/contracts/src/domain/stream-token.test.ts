import { describe, expect, it } from 'vitest';
import { checkStreamToken, STREAM_TOKEN_TTL_SECONDS, signStreamToken } from './stream-token.ts';

const secret = 'a-stream-secret-of-at-least-32-chars!';
const callId = '0b9d4c1e-6f3a-8c2b-9d1e-5f7a3b2c1d0e';
const now = Date.parse('2026-11-21T10:00:00Z');

describe('stream tokens', () => {
  it('accepts a token signed for the call until it expires', () => {
    const token = signStreamToken(secret, callId, now);
    expect(checkStreamToken(secret, callId, token, now)).toBe('valid');
    expect(checkStreamToken(secret, callId, token, now + STREAM_TOKEN_TTL_SECONDS * 1000)).toBe('valid');
    expect(checkStreamToken(secret, callId, token, now + (STREAM_TOKEN_TTL_SECONDS + 1) * 1000)).toBe('expired');
  });

  it('refuses a token for another call, from another secret, or altered', () => {
    const token = signStreamToken(secret, callId, now);
    expect(checkStreamToken(secret, '11111111-2222-8333-8444-555555555555', token, now)).toBe('invalid');
    expect(checkStreamToken(`${secret}x`, callId, token, now)).toBe('invalid');
    // A later expiry with the old signature.
    const [version, expires, signature] = token.split('.');
    expect(checkStreamToken(secret, callId, `${version}.${Number(expires) + 3600}.${signature}`, now)).toBe('invalid');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(checkStreamToken(secret, callId, flipped, now)).toBe('invalid');
  });

  it.each([undefined, 42, '', 'v1', 'v2.1.abc', `v1.1.${'x'.repeat(500)}`])('refuses %j', (token) => {
    expect(checkStreamToken(secret, callId, token, now)).toBe('invalid');
  });
});
