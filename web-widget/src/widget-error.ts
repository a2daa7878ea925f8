/**
 * The errors the element reports, each with a stable `code` (the documented contract of the
 * `speaknode:error` event) and a sentence a visitor understands. What a site owner must fix goes
 * to the browser console, not to the visitor.
 */
export type WidgetErrorCode =
  | 'misconfigured'
  | 'consent_required'
  | 'origin_not_allowed'
  | 'unknown_key'
  | 'rate_limited'
  | 'service_unavailable'
  | 'mode_unavailable'
  | 'microphone_denied'
  | 'microphone_unavailable'
  | 'voice_connection_failed'
  | 'agent_not_joined'
  | 'session_ended'
  | 'message_failed';

export class WidgetError extends Error {
  constructor(
    readonly code: WidgetErrorCode,
    message: string,
    /** For the site owner, logged to the console once. */
    readonly ownerHint?: string,
    /** `rate_limited`: seconds until a new try can succeed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'WidgetError';
  }
}

export function rateLimited(retryAfterSeconds: number): WidgetError {
  const when =
    retryAfterSeconds >= 90
      ? `in about ${Math.ceil(retryAfterSeconds / 60)} minutes`
      : `in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`;
  return new WidgetError(
    'rate_limited',
    `Too many conversations were started from here. Please try again ${when}.`,
    undefined,
    retryAfterSeconds,
  );
}

export const serviceUnavailable = (what = 'The assistant') =>
  new WidgetError('service_unavailable', `${what} is not available right now. Please try again later.`);

/** Anything thrown that is not ours becomes "unavailable": the visitor cannot act on a stack trace. */
export function asWidgetError(error: unknown): WidgetError {
  return error instanceof WidgetError ? error : serviceUnavailable();
}
