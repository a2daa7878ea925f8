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

/** A space's Lago subscription, as the console shows it. */
export interface LagoSubscription {
  externalId: string;
  externalCustomerId: string;
  planCode: string;
  planName: string | null;
  status: string;
  startedAt: string | null;
}

export interface LagoInvoice {
  id: string;
  number: string;
  issuingDate: string;
  status: string;
  paymentStatus: string;
  totalAmountCents: number;
  currency: string;
  fileUrl: string | null;
}

export type LagoResult = { outcome: 'accepted' | 'duplicate' } | { outcome: 'retry'; error: string };

/**
 * A thin client for Lago's events API. A duplicate transaction id (422 `value_already_exist`) means
 * Lago has the event already: for an at-least-once sender that is success, not an error.
 */
export class LagoClient {
  constructor(private readonly options: { apiUrl: string; apiKey: string; fetch?: typeof fetch; timeoutMs?: number }) {}

  /** GET on Lago's API; `undefined` for a 404, an Error (with a message fit for an admin) otherwise. */
  private async read<T>(path: string): Promise<T | undefined> {
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.apiUrl.replace(/\/$/, '')}/api/v1${path}`, {
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const failure = error as Error & { cause?: { code?: string } };
      throw new Error(
        failure.name === 'TimeoutError'
          ? 'Lago did not answer in time'
          : `Lago is not reachable: ${failure.cause?.code ?? failure.message}`,
      );
    }
    if (response.status === 404) return undefined;
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new Error(`Lago answered ${response.status}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error('Lago answered with something that is not JSON');
    }
  }

  /** The subscription whose external id is `externalId` (a space id), or null when Lago has none. */
  async subscription(externalId: string): Promise<LagoSubscription | null> {
    const body = await this.read<{
      subscription?: {
        external_id: string;
        external_customer_id: string;
        plan_code: string;
        name?: string | null;
        plan?: { name?: string | null } | null;
        status: string;
        started_at?: string | null;
      };
    }>(`/subscriptions/${encodeURIComponent(externalId)}`);
    const s = body?.subscription;
    if (!s) return null;
    return {
      externalId: s.external_id,
      externalCustomerId: s.external_customer_id,
      planCode: s.plan_code,
      planName: s.plan?.name || s.name || null,
      status: s.status,
      startedAt: s.started_at ?? null,
    };
  }

  /** The customer's most recent invoices (Lago's first page, newest first). */
  async invoices(externalCustomerId: string, perPage = 20): Promise<LagoInvoice[]> {
    const body = await this.read<{
      invoices?: Array<{
        lago_id: string;
        number: string;
        issuing_date: string;
        status: string;
        payment_status: string;
        total_amount_cents: number;
        currency: string;
        file_url?: string | null;
      }>;
    }>(`/invoices?external_customer_id=${encodeURIComponent(externalCustomerId)}&per_page=${perPage}&page=1`);
    return (body?.invoices ?? []).map((i) => ({
      id: i.lago_id,
      number: i.number,
      issuingDate: i.issuing_date,
      status: i.status,
      paymentStatus: i.payment_status,
      totalAmountCents: i.total_amount_cents,
      currency: i.currency,
      fileUrl: i.file_url ?? null,
    }));
  }

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
