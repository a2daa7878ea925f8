/**
 * The agent worker's side of control's internal API: the agent's runtime configuration (cached
 * here), call updates, transcript turns and the final usage. The HTTP side — token, 401 refresh,
 * retries, contract checks — is runtime's one `ControlInternalClient`, shared with the bridge and
 * the webhook receiver.
 */
import type {
  AgentRuntimeConfig,
  CallSummary,
  CallUpdate,
  CallUsageReport,
  SipCallRequest,
  TranscriptAppend,
} from '@speaknode/contracts';
import { type BearerTokenSource, ControlApiError, ControlInternalClient } from '@speaknode/runtime/control-internal';

export { ControlApiError };
export type TokenProvider = BearerTokenSource;

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
  private readonly internal: ControlInternalClient;

  constructor(private readonly options: ControlClientOptions) {
    this.internal = new ControlInternalClient({
      baseUrl: options.baseUrl,
      ...(options.tokens ? { tokens: options.tokens } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
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
      const config = await this.internal.agentRuntimeConfig(agentId);
      const previous = this.configCache.get(agentId);
      // A late answer never replaces a newer configuration (versions are monotonic per agent).
      const keep = previous && compareVersions(previous.config.version, config.version) > 0 ? previous.config : config;
      this.configCache.set(agentId, { config: keep, fetchedAt: this.now() });
      return keep;
    })().finally(() => this.pendingConfig.delete(agentId));
    this.pendingConfig.set(agentId, request);
    return request;
  }

  /** The call as control knows it, with the variables the agent's placeholders are filled with. */
  callSummary(callId: string): Promise<CallSummary> {
    return this.internal.getCall(callId);
  }

  /** The call of the SIP caller in a room a number's dispatch rule sent this agent into. */
  async sipCall(request: SipCallRequest): Promise<string> {
    return (await this.internal.sipCall(request)).callId;
  }

  callUpdate(callId: string, update: CallUpdate): Promise<void> {
    return this.internal.callUpdate(callId, update);
  }

  appendTranscript(callId: string, append: TranscriptAppend): Promise<void> {
    return this.internal.appendTranscript(callId, append);
  }

  reportUsage(callId: string, usage: CallUsageReport): Promise<void> {
    return this.internal.reportUsage(callId, usage);
  }
}

/** Numeric when both are numbers, otherwise lexical: control's versions are monotonic either way. */
function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
