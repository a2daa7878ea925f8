import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A phone leg's credential for the media bridge. The bridge's WebSocket is public (Twilio and
 * VoxImplant connect from the internet), so a stream must show it was set up by Speaknode for
 * this call: the webhook receiver hands the token to the provider (a TwiML `<Parameter>`, or the
 * answer to the VoxEngine scenario's `incoming` callback), the provider sends it back in the
 * stream's `customParameters`, and the bridge checks it. Both hold `SPEAKNODE_STREAM_SECRET`.
 *
 * Form: `v1.<expires, Unix seconds>.<HMAC-SHA256(secret, "speaknode-stream:v1:<callId>:<expires>"), base64url>`.
 */
export const STREAM_TOKEN_TTL_SECONDS = 600;

export type StreamTokenCheck = 'valid' | 'expired' | 'invalid';

function mac(secret: string, callId: string, expires: number): string {
  return createHmac('sha256', secret).update(`speaknode-stream:v1:${callId}:${expires}`).digest('base64url');
}

/** A token for `callId`'s media stream, valid for `ttlSeconds` from `nowMs`. */
export function signStreamToken(
  secret: string,
  callId: string,
  nowMs = Date.now(),
  ttlSeconds = STREAM_TOKEN_TTL_SECONDS,
): string {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  return `v1.${expires}.${mac(secret, callId, expires)}`;
}

/** Whether `token` was signed with `secret` for `callId` and has not expired at `nowMs`. */
export function checkStreamToken(secret: string, callId: string, token: unknown, nowMs = Date.now()): StreamTokenCheck {
  if (typeof token !== 'string' || token.length > 200) return 'invalid';
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return 'invalid';
  const expires = Number(match[1]);
  const given = Buffer.from(match[2] as string);
  const expected = Buffer.from(mac(secret, callId, expires));
  if (!timingSafeEqual(given, expected)) return 'invalid';
  // Checked after the signature, so an expired token is told apart only when it is genuine.
  return expires * 1000 < nowMs ? 'expired' : 'valid';
}
