/**
 * The one client for control's internal API (`InternalPaths` in contracts), used by the agent
 * worker, the media bridge and the webhook receiver: one token source, one 401-refresh path, one
 * retry policy, answers checked against the contracts' schemas. Loads nothing heavy (no database,
 * bus or Redis client), so a service importing it for a token starts fast.
 */
import {
  AgentRuntimeConfig,
  CallSummary,
  type CallUpdate,
  type CallUsageReport,
  InternalPaths,
  type ParticipantTokenRequest,
  PhoneNumberLookup,
  SessionGrant,
  SipCallAnswer,
  type SipCallRequest,
  type TelephonyProvider,
  type TranscriptAppend,
} from '@speaknode/contracts';
import type { z } from 'zod';

/** Where bearer tokens for control come from: `ServiceTokenSource` (`@speaknode/runtime/service-token`) in production. */
export interface BearerTokenSource {
  token(): Promise<string>;
  /** Drops the cached token after control answered 401. */
  invalidate(): void;
}

/** Why control did not give what was asked. `status` is the HTTP status; 0 when control could not be reached. */
export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Control answered, but not what the contract says: repeating the request will not help. */
    readonly badAnswer = false,
  ) {
    super(message);
    this.name = 'ControlApiError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** Control did not answer, or answered that it cannot right now: worth trying again later. */
  get transient(): boolean {
    if (this.badAnswer) return false;
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export interface ControlInternalClientOptions {
  baseUrl: string;
  /** Absent in a trial without an OIDC issuer: requests then go without a token. */
  tokens?: BearerTokenSource;
  fetch?: typeof fetch;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts for a transient failure, the first included (default 3); 1 turns retrying off. */
  attempts?: number;
  /** The wait before the second attempt, doubled for each further one (default 200 ms). */
  retryDelayMs?: number;
}

interface Call<T> {
  method: 'GET' | 'POST';
  path: string;
  /** What was asked for, in words, for error messages. */
  what: string;
  body?: unknown;
  /** The answer's schema; none for 204 answers. */
  schema?: z.ZodType<T>;
  /** False for a request that must not be repeated blindly (a status transition a lost answer may have applied). */
  repeatable?: boolean;
}

export class ControlInternalClient {
  constructor(private readonly options: ControlInternalClientOptions) {}

  /** The number's configuration, or null when no space has it. */
  async phoneNumberLookup(provider: TelephonyProvider, number: string): Promise<PhoneNumberLookup | null> {
    const path = `${InternalPaths.phoneNumberLookup}?${new URLSearchParams({ provider, number })}`;
    try {
      return await this.call({ method: 'GET', path, what: `the number ${number}`, schema: PhoneNumberLookup });
    } catch (error) {
      if (error instanceof ControlApiError && error.notFound) return null;
      throw error;
    }
  }

  agentRuntimeConfig(agentId: string): Promise<AgentRuntimeConfig> {
    return this.call({
      method: 'GET',
      path: InternalPaths.agentRuntimeConfig(agentId),
      what: `the runtime configuration of agent ${agentId}`,
      schema: AgentRuntimeConfig,
    });
  }

  getCall(callId: string): Promise<CallSummary> {
    return this.call({ method: 'GET', path: InternalPaths.call(callId), what: `call ${callId}`, schema: CallSummary });
  }

  participantToken(callId: string, request: ParticipantTokenRequest): Promise<SessionGrant> {
    return this.call({
      method: 'POST',
      path: InternalPaths.participantToken(callId),
      what: `a participant token for call ${callId}`,
      body: request,
      schema: SessionGrant,
    });
  }

  callUpdate(callId: string, update: CallUpdate): Promise<void> {
    // A status transition whose answer was lost may have been applied: repeating it could be refused (409).
    return this.call({
      method: 'POST',
      path: InternalPaths.callUpdate(callId),
      what: `an update of call ${callId}`,
      body: update,
      repeatable: false,
    });
  }

  appendTranscript(callId: string, append: TranscriptAppend): Promise<void> {
    return this.call({
      method: 'POST',
      path: InternalPaths.transcript(callId),
      what: `transcript turns of call ${callId}`,
      body: append,
    });
  }

  reportUsage(callId: string, usage: CallUsageReport): Promise<void> {
    return this.call({
      method: 'POST',
      path: InternalPaths.usage(callId),
      what: `the usage of call ${callId}`,
      body: usage,
    });
  }

  /** Idempotent (found or created by the room and the caller), so a lost answer may be asked again. */
  sipCall(request: SipCallRequest): Promise<SipCallAnswer> {
    return this.call({
      method: 'POST',
      path: InternalPaths.sipCall,
      what: `the call of SIP caller ${request.participantSid} in room ${request.roomName}`,
      body: request,
      schema: SipCallAnswer,
    });
  }

  /** Whether control answers at all (for /readyz). */
  async reachable(): Promise<boolean> {
    try {
      const res = await this.fetch(new URL('/healthz', this.options.baseUrl), { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private get fetch(): typeof fetch {
    return this.options.fetch ?? fetch;
  }

  /**
   * The retry policy: a transient failure (unreachable, 502, 503, 504) is tried again after 200 ms,
   * 400 ms, … up to `attempts`; a 401 once more with a fresh token; anything else is final. Repeated:
   * reads, token grants, transcript turns (idempotent by `sequence`) and usage (idempotent per call);
   * not a call update (a status transition).
   */
  private async call<T>(call: Call<T>): Promise<T> {
    const attempts = call.repeatable === false ? 1 : Math.max(1, this.options.attempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(call);
      } catch (error) {
        if (!(error instanceof ControlApiError) || !error.transient || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 200) * 2 ** (attempt - 1)));
      }
    }
  }

  private async once<T>(call: Call<T>, refreshed = false): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.tokens) {
      try {
        headers.authorization = `Bearer ${await this.options.tokens.token()}`;
      } catch (error) {
        throw new ControlApiError(
          `could not get a service token to ask control for ${call.what}: ${(error as Error).message}`,
          0,
        );
      }
    }
    const url = new URL(call.path, this.options.baseUrl);
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ControlApiError(
        `control at ${url.origin} did not answer for ${call.what}: ${(error as Error).message}`,
        0,
      );
    }
    if (res.status === 401 && this.options.tokens && !refreshed) {
      // The cached token may have been revoked or rotated: once more with a fresh one.
      await res.body?.cancel();
      this.options.tokens.invalidate();
      return this.once(call, true);
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 300);
      throw new ControlApiError(
        `control answered ${res.status} to ${call.method} ${url.pathname} (${call.what})${detail ? `: ${detail}` : ''}`,
        res.status,
      );
    }
    if (!call.schema) {
      await res.body?.cancel();
      return undefined as T;
    }
    const parsed = call.schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new ControlApiError(`control's answer for ${call.what} does not match the contract: ${issues}`, 502, true);
    }
    return parsed.data;
  }
}
