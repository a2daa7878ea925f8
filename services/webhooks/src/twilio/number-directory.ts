import type { PhoneNumberLookup, TelephonyProvider } from '@speaknode/contracts';
import { type BearerTokenSource, ControlInternalClient } from '@speaknode/runtime/control-internal';

export type { BearerTokenSource };

export class NumberLookupUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NumberLookupUnavailableError';
  }
}

export interface NumberDirectoryOptions {
  controlUrl: string;
  /** Without one, requests go unauthenticated (only useful against a control that allows it, e.g. in tests). */
  tokens?: BearerTokenSource;
  fetch?: typeof fetch;
  now?: () => number;
  /** How long a found number is trusted before asking again. */
  ttlMs?: number;
  /** How long "no space has this number" is trusted. */
  negativeTtlMs?: number;
  /** While control is unreachable, an expired entry this young is still used. */
  staleMs?: number;
  timeoutMs?: number;
}

interface Entry {
  value: PhoneNumberLookup | null;
  fetchedAt: number;
}

/**
 * Control's phone-number lookup (`GET /internal/v1/phone-numbers/lookup`), cached: concurrent
 * lookups of one number share a request; while control is down a recently known answer is served.
 * It also remembers each Twilio account's auth token by account SID, for callbacks (recordings)
 * that carry no phone number.
 */
export class NumberDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<PhoneNumberLookup | null>>();
  private readonly secretsByAccount = new Map<string, string>();
  private readonly options: Required<Omit<NumberDirectoryOptions, 'tokens'>> & { tokens?: BearerTokenSource };
  private readonly control: ControlInternalClient;

  constructor(options: NumberDirectoryOptions) {
    this.options = {
      fetch,
      now: Date.now,
      ttlMs: 60_000,
      negativeTtlMs: 10_000,
      staleMs: 3_600_000,
      timeoutMs: 5_000,
      ...options,
    };
    // Twilio waits for the TwiML (15 s): a short timeout and one retry.
    this.control = new ControlInternalClient({
      baseUrl: this.options.controlUrl,
      ...(this.options.tokens ? { tokens: this.options.tokens } : {}),
      fetch: this.options.fetch,
      timeoutMs: this.options.timeoutMs,
      attempts: 2,
    });
  }

  /** The number's configuration, or null when no space has it. Throws NumberLookupUnavailableError when control cannot answer. */
  async lookup(provider: TelephonyProvider, number: string): Promise<PhoneNumberLookup | null> {
    const key = `${provider}:${number}`;
    const now = this.options.now();
    const entry = this.cache.get(key);
    if (entry) {
      const ttl = entry.value ? this.options.ttlMs : this.options.negativeTtlMs;
      if (now - entry.fetchedAt < ttl) return entry.value;
    }
    let request = this.inFlight.get(key);
    if (!request) {
      request = this.fetchLookup(provider, number).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, request);
    }
    try {
      const value = await request;
      this.cache.set(key, { value, fetchedAt: this.options.now() });
      return value;
    } catch (error) {
      if (entry && now - entry.fetchedAt < this.options.staleMs) return entry.value;
      throw error;
    }
  }

  /** The Twilio auth token of `accountSid`, if a lookup has shown it. */
  secretForAccount(accountSid: string): string | undefined {
    return this.secretsByAccount.get(accountSid);
  }

  private async fetchLookup(provider: TelephonyProvider, number: string): Promise<PhoneNumberLookup | null> {
    let lookup: PhoneNumberLookup | null;
    try {
      lookup = await this.control.phoneNumberLookup(provider, number);
    } catch (error) {
      throw new NumberLookupUnavailableError(`control's number lookup failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const accountSid = lookup?.accountSettings.accountSid;
    if (provider === 'twilio' && lookup && accountSid && lookup.accountSecret) {
      this.secretsByAccount.set(accountSid, lookup.accountSecret);
    }
    return lookup;
  }
}
