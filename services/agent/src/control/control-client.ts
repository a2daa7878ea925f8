/**
 * The agent worker's side of control's internal API (`InternalPaths` in contracts): the agent's
 * runtime configuration, call updates, transcript turns and the final usage. Calls carry a
 * client-credentials token when the worker has service credentials.
 */
import {
  AgentRuntimeConfig,
  CallSummary,
  type CallUpdate,
  type CallUsageReport,
  InternalPaths,
  type TranscriptAppend,
} from '@speaknode/contracts';

export interface TokenProvider {
  token(): Promise<string>;
  invalidate(): void;
}

export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ControlApiError';
  }
}

export interface ControlClientOptions {
  baseUrl: string;
  tokens?: TokenProvider;
  /** How long a runtime configuration is reused before control is asked again. */
  configCacheMs: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export class ControlClient {
  private readonly configCache = new Map<string, { config: AgentRuntimeConfig; fetchedAt: number }>();
  private readonly pendingConfig = new Map<string, Promise<AgentRuntimeConfig>>();

  constructor(private readonly options: ControlClientOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async send(method: string, path: string, body?: unknown, retryOn401 = true): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.tokens) headers.authorization = `Bearer ${await this.options.tokens.token()}`;
    const url = `${this.options.baseUrl.replace(/\/$/, '')}${path}`;
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ControlApiError(`control at ${this.options.baseUrl} is unreachable: ${(error as Error).message}`, 0);
    }
    if (res.status === 401 && this.options.tokens && retryOn401) {
      this.options.tokens.invalidate();
      return this.send(method, path, body, false);
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => '')).slice(0, 300);
      throw new ControlApiError(
        `control answered ${res.status} to ${method} ${path}${detail ? `: ${detail}` : ''}`,
        res.status,
      );
    }
    return res;
  }

  /**
   * The agent's runtime configuration, reused for `configCacheMs`. Entries are keyed by agent and
   * replaced whenever control returns a newer version, so an edit shows up within the cache time.
   */
  async agentRuntimeConfig(agentId: string): Promise<AgentRuntimeConfig> {
    const cached = this.configCache.get(agentId);
    if (cached && this.now() - cached.fetchedAt < this.options.configCacheMs) return cached.config;
    const pending = this.pendingConfig.get(agentId);
    if (pending) return pending;
    const request = (async () => {
      const res = await this.send('GET', InternalPaths.agentRuntimeConfig(agentId));
      const parsed = AgentRuntimeConfig.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) {
        throw new ControlApiError(
          `control returned an invalid runtime configuration for agent ${agentId}: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
          502,
        );
      }
      const previous = this.configCache.get(agentId);
      // A late answer never replaces a newer configuration (versions are monotonic per agent).
      const keep =
        previous && compareVersions(previous.config.version, parsed.data.version) > 0 ? previous.config : parsed.data;
      this.configCache.set(agentId, { config: keep, fetchedAt: this.now() });
      return keep;
    })().finally(() => this.pendingConfig.delete(agentId));
    this.pendingConfig.set(agentId, request);
    return request;
  }

  /** The call as control knows it, with the variables the agent's placeholders are filled with. */
  async callSummary(callId: string): Promise<CallSummary> {
    const res = await this.send('GET', InternalPaths.call(callId));
    const parsed = CallSummary.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new ControlApiError(`control returned an invalid summary of call ${callId}`, 502);
    return parsed.data;
  }

  async callUpdate(callId: string, update: CallUpdate): Promise<void> {
    await this.send('POST', InternalPaths.callUpdate(callId), update);
  }

  async appendTranscript(callId: string, append: TranscriptAppend): Promise<void> {
    await this.send('POST', InternalPaths.transcript(callId), append);
  }

  async reportUsage(callId: string, usage: CallUsageReport): Promise<void> {
    await this.send('POST', InternalPaths.usage(callId), usage);
  }
}

/** Numeric when both are numbers, otherwise lexical: control's versions are monotonic either way. */
function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
