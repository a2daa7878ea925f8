/**
 * Span ingest, one path for every way spans arrive (OTLP/HTTP at `POST /v1/traces`, the Kafka topic
 * in the stack): analytics facts out of the spans, each tied to the call record it names. A fact
 * counts only when its call id is a call of the space it claims (and of the agent it claims); any
 * other is refused and counted, never stored under a space it does not belong to.
 */
import type pg from 'pg';
import { callRefsOf } from './call-refs.ts';
import { type ClaimedFact, factOf, type Placed } from './facts.ts';
import type { OtlpSpan } from './otlp.ts';
import type { AnalyticsStore } from './store.ts';

export interface IngestResult {
  /** Facts stored (or already stored: ingest is idempotent by span id). */
  accepted: number;
  /** Analytics spans refused, by reason. */
  rejected: number;
  reasons: Record<string, number>;
  /** Spans that carry no analytics fact (framework spans): accepted and not stored. */
  ignored: number;
}

export class SpanIngest {
  constructor(
    private readonly pool: pg.Pool,
    private readonly store: AnalyticsStore,
  ) {}

  async ingest(spans: readonly OtlpSpan[]): Promise<IngestResult> {
    const claimed: ClaimedFact[] = [];
    for (const span of spans) {
      const fact = factOf(span);
      if (fact) claimed.push(fact);
    }
    const result: IngestResult = { accepted: 0, rejected: 0, reasons: {}, ignored: spans.length - claimed.length };
    const refuse = (reason: string) => {
      result.rejected++;
      result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
    };
    const ids = [...new Set(claimed.map((c) => c.claim.callId).filter((id): id is string => id !== undefined))];
    const refs = await callRefsOf(this.pool, ids);
    const placed: Placed[] = [];
    for (const { fact, claim } of claimed) {
      if (!claim.callId || !claim.spaceId) {
        refuse('no call or space id');
        continue;
      }
      const ref = refs.get(claim.callId);
      if (!ref || ref.spaceId !== claim.spaceId) {
        // Another space's call is indistinguishable from a missing one.
        refuse('not a call of that space');
        continue;
      }
      if (claim.agentId && claim.agentId !== ref.agentId) {
        refuse("not that call's agent");
        continue;
      }
      placed.push({ ...fact, ...ref });
    }
    if (placed.length > 0) await this.store.write(placed);
    result.accepted = placed.length;
    return result;
  }
}

export function describeRejections(result: IngestResult): string {
  return Object.entries(result.reasons)
    .map(([reason, n]) => `${n} ${reason}`)
    .join('; ');
}
