/** The API's answer from a store's aggregates: ranges resolved, rates, rounding and cost computed once. */
import {
  type AnalyticsQuery,
  type AnalyticsReport,
  type CostLine,
  MAX_RANGE_DAYS,
  unitPrice,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import type { ReportData, ReportFilter } from './store.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function filterOf(spaceId: string, query: AnalyticsQuery, now = Date.now()): ReportFilter {
  const toMs = query.to ? Date.parse(query.to) : now;
  const fromMs = query.from ? Date.parse(query.from) : toMs - 7 * DAY;
  const bucket = query.bucket ?? (toMs - fromMs > 2 * DAY ? 'day' : 'hour');
  if (!(fromMs < toMs))
    throw HttpProblem.badRequest('`from` must be before `to`', [{ path: 'from', message: 'must be before to' }]);
  if (toMs - fromMs > MAX_RANGE_DAYS[bucket] * DAY) {
    throw HttpProblem.badRequest(`a ${bucket} bucket covers at most ${MAX_RANGE_DAYS[bucket]} days`, [
      { path: 'to', message: `at most ${MAX_RANGE_DAYS[bucket]} days after from with bucket=${bucket}` },
    ]);
  }
  return {
    spaceId,
    fromMs: Math.floor(fromMs),
    toMs: Math.floor(toMs),
    bucketMs: bucket === 'hour' ? HOUR : DAY,
    ...(query.agentId ? { agentId: query.agentId.toLowerCase() } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.number ? { number: query.number } : {}),
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const rate = (part: number, whole: number) => (whole > 0 ? round(part / whole, 6) : null);

export function reportOf(source: AnalyticsReport['source'], filter: ReportFilter, data: ReportData): AnalyticsReport {
  const cost: CostLine[] = data.usage
    .filter((u) => u.quantity > 0)
    .map((u) => {
      const quantity = round(u.quantity, 6);
      const price = unitPrice(u.provider, u.model, u.unit);
      return { ...u, quantity, costUsd: price === undefined ? null : round(quantity * price, 6) };
    })
    .sort(
      (a, b) =>
        a.kind.localeCompare(b.kind) ||
        a.provider.localeCompare(b.provider) ||
        a.model.localeCompare(b.model) ||
        a.unit.localeCompare(b.unit),
    );
  const buckets = data.buckets.map((b) => ({
    start: new Date(b.startMs).toISOString(),
    calls: b.calls,
    minutes: round(b.durationSeconds / 60, 3),
    peakConcurrency: b.peakConcurrency,
    turns: b.turns,
    responseLatencyMs: b.response,
  }));
  return {
    source,
    range: {
      from: new Date(filter.fromMs).toISOString(),
      to: new Date(filter.toMs).toISOString(),
      bucket: filter.bucketMs === HOUR ? 'hour' : 'day',
    },
    totals: {
      calls: data.calls,
      minutes: round(data.durationSeconds / 60, 3),
      peakConcurrency: Math.max(0, ...data.buckets.map((b) => b.peakConcurrency)),
      turns: data.turns,
      interruptedTurns: data.interruptedTurns,
      interruptionRate: rate(data.interruptedTurns, data.turns),
      toolCalls: data.toolCalls,
      toolErrors: data.toolErrors,
      toolErrorRate: rate(data.toolErrors, data.toolCalls),
      costUsd: round(
        cost.reduce((sum, line) => sum + (line.costUsd ?? 0), 0),
        6,
      ),
    },
    outcomes: [...data.outcomes].sort((a, b) => b.calls - a.calls || a.endReason.localeCompare(b.endReason)),
    latencyMs: data.latency,
    interruptedAfterMs: data.interruptedAfter,
    tools: [...data.tools].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
    cost,
    buckets,
  };
}
