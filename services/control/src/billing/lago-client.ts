/** One usage event as Lago's events API takes it (`POST /api/v1/events`). */
export interface LagoEvent {
  /** Lago's idempotency key: a second event with the same id is refused, never counted twice. */
  transaction_id: string;
  external_subscription_id: string;
  code: string;
  /** Unix seconds. */
  timestamp: number;
  properties: Record<string, number | string>;
}

export type LagoResult = { outcome: 'accepted' | 'duplicate' } | { outcome: 'retry'; error: string };

/**
 * A thin client for Lago's events API. A duplicate transaction id (422 `value_already_exist`) means
 * Lago has the event already: for an at-least-once sender that is success, not an error.
 */
export class LagoClient {
  constructor(private readonly options: { apiUrl: string; apiKey: string; fetch?: typeof fetch; timeoutMs?: number }) {}

  async send(event: LagoEvent): Promise<LagoResult> {
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.apiUrl.replace(/\/$/, '')}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const failure = error as Error & { cause?: { code?: string } };
      return {
        outcome: 'retry',
        error:
          failure.name === 'TimeoutError'
            ? 'Lago did not answer in time'
            : `Lago is not reachable: ${failure.cause?.code ?? failure.message}`,
      };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { outcome: 'accepted' };
    if (response.status === 422) {
      try {
        const body = JSON.parse(text) as { error_details?: { transaction_id?: string[] } };
        if (body.error_details?.transaction_id?.includes('value_already_exist')) return { outcome: 'duplicate' };
      } catch {
        // fall through: not Lago's JSON
      }
    }
    return { outcome: 'retry', error: `Lago answered ${response.status}: ${text.slice(0, 300)}` };
  }
}
