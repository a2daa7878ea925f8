/**
 * When to try a failed delivery again: exponential from 5 s, doubling, capped at 12 h, for about three
 * days in all; then the message is failed (and can be replayed from the API).
 */
export const FIRST_RETRY_MS = 5_000;
export const MAX_RETRY_DELAY_MS = 12 * 3600_000;
/** Attempts in all, the first included: the delays before attempts 2…MAX_ATTEMPTS add up to about 71 h. */
export const MAX_ATTEMPTS = 19;
/** A Retry-After further out than this is not honoured as is (the schedule's cap applies). */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** The delay after failed attempt number `attempt` (1-based), or null when no attempt is left. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number | null {
  if (attempt >= MAX_ATTEMPTS) return null;
  const base = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  // ±10% jitter so a recovering endpoint is not hit by every queued message at once.
  return Math.round(base * (0.9 + 0.2 * random()));
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
