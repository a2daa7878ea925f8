import { CallSummary, InternalPaths, type ParticipantTokenRequest, SessionGrant } from '@speaknode/contracts';
import type { z } from 'zod';

/** Gives bearer tokens for control; `ServiceTokenSource` from `@speaknode/runtime` in production. */
export interface TokenSource {
  token(): Promise<string>;
  invalidate(): void;
}

/** Why control did not give the bridge what it asked for. `status` is the HTTP status, 0 when unreachable. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ControlError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

/** Control's internal API, as the bridge uses it (see `InternalPaths` in contracts). */
export class ControlClient {
  constructor(
    private readonly options: {
      baseUrl: string;
      /** Absent in a trial without an OIDC issuer: requests then go without a token. */
      tokens?: TokenSource;
      fetch?: typeof fetch;
      timeoutMs?: number;
    },
  ) {}

  getCall(callId: string): Promise<CallSummary> {
    return this.request(InternalPaths.call(callId), CallSummary, { method: 'GET' }, `call ${callId}`);
  }

  participantToken(callId: string, request: ParticipantTokenRequest): Promise<SessionGrant> {
    return this.request(
      InternalPaths.participantToken(callId),
      SessionGrant,
      { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } },
      `a participant token for call ${callId}`,
    );
  }

  /** Whether control answers at all (for /readyz). */
  async reachable(): Promise<boolean> {
    try {
      const res = await (this.options.fetch ?? fetch)(new URL('/healthz', this.options.baseUrl), {
        signal: AbortSignal.timeout(2000),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private async request<T extends z.ZodType>(
    path: string,
    schema: T,
    init: RequestInit,
    what: string,
  ): Promise<z.infer<T>> {
    const url = new URL(path, this.options.baseUrl);
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init.headers);
      if (this.options.tokens) {
        try {
          headers.set('authorization', `Bearer ${await this.options.tokens.token()}`);
        } catch (error) {
          throw new ControlError(
            `could not get a service token to ask control for ${what}: ${(error as Error).message}`,
            0,
          );
        }
      }
      let res: Response;
      try {
        res = await (this.options.fetch ?? fetch)(url, {
          ...init,
          headers,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
      } catch (error) {
        throw new ControlError(
          `control at ${this.options.baseUrl} did not answer for ${what}: ${(error as Error).message}`,
          0,
        );
      }
      if (res.status === 401 && attempt === 0 && this.options.tokens) {
        // The cached token may have been revoked or rotated: try once more with a fresh one.
        await res.body?.cancel();
        this.options.tokens.invalidate();
        continue;
      }
      if (!res.ok) {
        const detail = (await res.text().catch(() => '')).slice(0, 300);
        throw new ControlError(`control answered ${res.status} for ${what}${detail ? `: ${detail}` : ''}`, res.status);
      }
      const parsed = schema.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) {
        throw new ControlError(
          `control's answer for ${what} does not match the contract: ${parsed.error.message}`,
          502,
        );
      }
      return parsed.data;
    }
  }
}
