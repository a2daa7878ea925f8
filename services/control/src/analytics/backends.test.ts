/**
 * One API, two backends, same answers: 1,000 synthetic calls' spans through `POST /v1/traces`
 * (half protobuf, half JSON) into control on PostgreSQL and into control on ClickHouse (Debian's
 * 18.16 here, or the server in CLICKHOUSE_URL); the test computes every count and percentile itself
 * and both reports must equal it.
 */
import { type AnalyticsReport, CallEnded, unitPrice } from '@speaknode/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { nearestRank } from './store.ts';
import { type RunningClickHouse, startClickHouse } from './testing/clickhouse-server.ts';
import {
  generateCalls,
  insertCalls,
  otlpJson,
  otlpProtobuf,
  SYNTHETIC_NUMBERS,
  type SyntheticCall,
  spansOf,
} from './testing/synthetic-calls.ts';

const AGENTS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1);
const SPREAD = 10 * DAY;
const CALLS = 1000;

interface Backend {
  name: string;
  control: TestControl;
  token: string;
  spaceId: string;
  calls: SyntheticCall[];
}

const clickhouse = await startClickHouse();
if ('skip' in clickhouse) console.info(`analytics on ClickHouse not tested: ${clickhouse.skip}`);
else console.info(`analytics on ClickHouse ${clickhouse.version}`);
const backends: Backend[] = [];

async function backend(name: string, env: Record<string, string>): Promise<Backend> {
  const control = await startTestControl({ env });
  const token = await control.userToken(`analytics-owner-${name}`);
  const space = await control.request('POST', '/api/v1/spaces', { token, body: { name: `Analytics ${name}` } });
  expect(space.status).toBe(201);
  const calls = generateCalls({
    seed: 20,
    calls: CALLS,
    spaceId: space.body.id,
    agentIds: AGENTS,
    startMs: START,
    spreadMs: SPREAD,
  });
  await insertCalls(control.control.ctx.pool, calls);
  for (const call of calls) {
    await writeOutboxEvent(control.control.ctx.pool, CallEnded, {
      spaceId: call.spaceId,
      subject: call.id,
      data: {
        callId: call.id,
        agentId: call.agentId,
        channel: call.channel,
        status: call.status,
        durationSeconds: call.durationSeconds,
        endReason: call.endReason as never,
        failureReason: null,
      },
    });
  }
  control.control.relay.nudge();
  const agent = await control.serviceToken('service:agent');
  const spans = calls.flatMap((c) => spansOf(c));
  for (let i = 0, n = 0; i < spans.length; i += 400, n++) {
    const batch = spans.slice(i, i + 400);
    const res = await fetch(`${control.url}/v1/traces`, {
      method: 'POST',
      headers:
        n % 2 === 0
          ? { authorization: `Bearer ${agent}`, 'content-type': 'application/x-protobuf' }
          : { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
      body: n % 2 === 0 ? otlpProtobuf(batch) : JSON.stringify(otlpJson(batch)),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return { name, control, token, spaceId: space.body.id, calls };
}

beforeAll(async () => {
  backends.push(await backend('postgresql', {}));
  if (!('skip' in clickhouse)) {
    backends.push(
      await backend('clickhouse', {
        CLICKHOUSE_URL: clickhouse.url,
        CLICKHOUSE_DATABASE: `speaknode_test_${process.pid}_${Date.now()}`,
      }),
    );
  }
}, 300_000);

afterAll(async () => {
  for (const b of backends) await b.control.close();
  if (!('skip' in clickhouse)) await (clickhouse as RunningClickHouse).stop();
});

interface Filter {
  agentId?: string;
  channel?: string;
  number?: string;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
/**
 * Latencies are whole milliseconds once stored (contracts' `ANALYTICS_LATENCY_COLUMNS`: control rounds
 * half up); the fixture's are quarters, so the expectations round them the same way.
 */
const sorted = (values: Array<number | undefined>) =>
  values
    .filter((v): v is number => v !== undefined)
    .map((v) => Math.round(v))
    .sort((a, b) => a - b);

/** What the report must say, computed straight from the generated calls. */
function expected(calls: SyntheticCall[], from: number, to: number, step: number, f: Filter) {
  const inRange = calls.filter(
    (c) =>
      (c.startedMs ?? c.createdMs) >= from &&
      (c.startedMs ?? c.createdMs) < to &&
      (!f.agentId || c.agentId === f.agentId) &&
      (!f.channel || c.channel === f.channel) &&
      (!f.number || c.toNumber === f.number),
  );
  const turns = calls
    .filter(
      (c) =>
        (!f.agentId || c.agentId === f.agentId) &&
        (!f.channel || c.channel === f.channel) &&
        (!f.number || c.toNumber === f.number),
    )
    .flatMap((c) => c.turns)
    .filter((t) => t.startMs >= from && t.startMs < to);
  const tools = turns.flatMap((t) => t.tools).filter((t) => t.startMs >= from && t.startMs < to);
  const outcomes = new Map<string, number>();
  for (const c of inRange) outcomes.set(c.endReason, (outcomes.get(c.endReason) ?? 0) + 1);
  const bucketStarts = new Set<number>();
  for (const c of inRange) bucketStarts.add(Math.floor((c.startedMs ?? c.createdMs) / step) * step);
  for (const t of turns) bucketStarts.add(Math.floor(t.startMs / step) * step);
  const peakIn = (b: number) => {
    const events: Array<[number, number]> = [];
    for (const c of inRange) {
      if (c.startedMs === null) continue;
      const s = Math.max(c.startedMs, b, from);
      const e = Math.min(c.endedMs, b + step, to);
      if (e > s) events.push([s, 1], [e, -1]);
    }
    events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let now = 0;
    let peak = 0;
    for (const [, d] of events) {
      now += d;
      peak = Math.max(peak, now);
    }
    return peak;
  };
  const usage = new Map<string, number>();
  const use = (key: string, q: number | undefined) => {
    if (q) usage.set(key, (usage.get(key) ?? 0) + q);
  };
  for (const t of turns) {
    use(`llm|${t.llm.provider}|${t.llm.model}|prompt_tokens`, t.promptTokens);
    use(`llm|${t.llm.provider}|${t.llm.model}|completion_tokens`, t.completionTokens);
    use(`stt|${t.stt.provider}|${t.stt.model}|audio_seconds`, t.sttAudioMs);
    use(`tts|${t.tts.provider}|${t.tts.model}|characters`, t.ttsCharacters);
  }
  const cost = [...usage.entries()]
    .map(([key, quantity]) => {
      const [kind, provider, model, unit] = key.split('|') as [string, string, string, string];
      // Audio is summed in milliseconds (exact) and divided once, as the stores do.
      const q = round(unit === 'audio_seconds' ? quantity / 1000 : quantity, 6);
      const price = unitPrice(provider, model, unit as never);
      return { kind, provider, model, unit, quantity: q, costUsd: price === undefined ? null : round(q * price, 6) };
    })
    .sort(
      (a, b) =>
        a.kind.localeCompare(b.kind) ||
        a.provider.localeCompare(b.provider) ||
        a.model.localeCompare(b.model) ||
        a.unit.localeCompare(b.unit),
    );
  const toolNames = [...new Set(tools.map((t) => t.name))];
  const buckets = [...bucketStarts]
    .sort((a, b) => a - b)
    .map((b) => {
      const callsIn = inRange.filter((c) => Math.floor((c.startedMs ?? c.createdMs) / step) * step === b);
      const turnsIn = turns.filter((t) => Math.floor(t.startMs / step) * step === b);
      return {
        start: new Date(b).toISOString(),
        calls: callsIn.length,
        minutes: round(callsIn.reduce((s, c) => s + (c.durationSeconds ?? 0), 0) / 60, 3),
        peakConcurrency: peakIn(b),
        turns: turnsIn.length,
        responseLatencyMs: nearestRank(sorted(turnsIn.map((t) => t.responseLatencyMs))),
      };
    });
  const interrupted = turns.filter((t) => t.interrupted).length;
  const toolErrors = tools.filter((t) => t.error).length;
  return {
    range: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bucket: step === DAY ? 'day' : 'hour',
    },
    totals: {
      calls: inRange.length,
      minutes: round(inRange.reduce((s, c) => s + (c.durationSeconds ?? 0), 0) / 60, 3),
      peakConcurrency: Math.max(0, ...buckets.map((b) => b.peakConcurrency)),
      turns: turns.length,
      interruptedTurns: interrupted,
      interruptionRate: turns.length ? round(interrupted / turns.length, 6) : null,
      toolCalls: tools.length,
      toolErrors,
      toolErrorRate: tools.length ? round(toolErrors / tools.length, 6) : null,
      costUsd: round(
        cost.reduce((s, l) => s + (l.costUsd ?? 0), 0),
        6,
      ),
    },
    outcomes: [...outcomes.entries()]
      .map(([endReason, n]) => ({ endReason, calls: n }))
      .sort((a, b) => b.calls - a.calls || a.endReason.localeCompare(b.endReason)),
    latencyMs: {
      eou: nearestRank(sorted(turns.map((t) => t.eouDelayMs))),
      stt: nearestRank(sorted(turns.map((t) => t.sttDurationMs))),
      llmTtft: nearestRank(sorted(turns.map((t) => t.llmTtftMs))),
      llmTotal: nearestRank(sorted(turns.map((t) => t.llmDurationMs))),
      ttsTtfb: nearestRank(sorted(turns.map((t) => t.ttsTtfbMs))),
      response: nearestRank(sorted(turns.map((t) => t.responseLatencyMs))),
    },
    interruptedAfterMs: nearestRank(sorted(turns.map((t) => t.interruptedAfterMs))),
    tools: toolNames
      .map((name) => {
        const mine = tools.filter((t) => t.name === name);
        return {
          name,
          calls: mine.length,
          errors: mine.filter((t) => t.error).length,
          durationMs: nearestRank(sorted(mine.map((t) => t.durationMs))),
        };
      })
      .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)),
    cost,
    buckets,
  };
}

async function report(b: Backend, query: string): Promise<AnalyticsReport> {
  const res = await b.control.request('GET', `/api/v1/spaces/${b.spaceId}/analytics?${query}`, { token: b.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const CASES: Array<{ name: string; from: number; to: number; bucket: 'day' | 'hour'; filter: Filter }> = [
  { name: 'everything, by day', from: START - DAY, to: START + SPREAD + DAY, bucket: 'day', filter: {} },
  { name: 'one agent, by day', from: START, to: START + SPREAD, bucket: 'day', filter: { agentId: AGENTS[1] } },
  {
    // Whole days from the rollups, the partial first and last days from the raw facts.
    name: 'one agent, by day, from and to odd milliseconds',
    from: START + 7_777_777,
    to: START + 6 * DAY + 5 * 3_600_000 + 42,
    bucket: 'day',
    filter: { agentId: AGENTS[0] },
  },
  {
    name: 'phone calls through one number, two days by hour',
    from: START + 3 * DAY + 1234,
    to: START + 5 * DAY,
    bucket: 'hour',
    filter: { channel: 'phone', number: SYNTHETIC_NUMBERS[0] },
  },
];

describe('analytics: 1,000 synthetic calls through both backends', () => {
  for (const c of CASES) {
    it(`answers what the fixture says: ${c.name}`, async () => {
      const query = new URLSearchParams({
        from: new Date(c.from).toISOString(),
        to: new Date(c.to).toISOString(),
        bucket: c.bucket,
        ...c.filter,
      }).toString();
      for (const b of backends) {
        const want = expected(b.calls, c.from, c.to, c.bucket === 'day' ? DAY : 3_600_000, c.filter);
        // ClickHouse learns of ended calls from the bus: wait until it has them all.
        await expect
          .poll(async () => (await report(b, query)).totals.calls, { timeout: 60_000 })
          .toBe(want.totals.calls);
        const got = await report(b, query);
        expect(got.source).toBe(b.name);
        const { source: _, ...rest } = got;
        expect(rest, b.name).toEqual(want);
      }
      expect(backends[0]!.calls.length).toBe(CALLS);
    }, 120_000);
  }

  it('has a fixture worth testing: every stage, outcome, tool error and interruption occurs', () => {
    const want = expected(backends[0]!.calls, START - DAY, START + SPREAD + DAY, DAY, {});
    expect(want.totals.turns).toBeGreaterThan(5000);
    expect(want.outcomes.length).toBeGreaterThanOrEqual(5);
    expect(want.totals.toolErrors).toBeGreaterThan(0);
    expect(want.totals.interruptedTurns).toBeGreaterThan(0);
    expect(want.totals.peakConcurrency).toBeGreaterThan(1);
    expect(want.cost.some((l) => l.costUsd === null)).toBe(true);
  });

  it("answers a call's turn waterfall the same from both backends", async () => {
    const call = backends[0]!.calls.find((c) => c.turns.some((t) => t.tools.length > 0))!;
    const answers = [];
    for (const b of backends) {
      const res = await b.control.request('GET', `/api/v1/spaces/${b.spaceId}/analytics/calls/${call.id}/turns`, {
        token: b.token,
      });
      expect(res.status).toBe(200);
      expect(res.body.turns).toHaveLength(call.turns.length);
      expect(res.body.turns.map((t: { eouDelayMs: number | null }) => t.eouDelayMs)).toEqual(
        call.turns.map((t) => (t.eouDelayMs === undefined ? null : Math.round(t.eouDelayMs))),
      );
      expect(res.body.providers.llm).toEqual(call.turns[0]!.llm);
      const { source: _, ...rest } = res.body;
      answers.push(rest);
    }
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
  });

  it('stores a re-sent batch once (idempotent by span id)', async () => {
    for (const b of backends) {
      const range = `from=${new Date(START - DAY).toISOString()}&to=${new Date(START + SPREAD + DAY).toISOString()}`;
      await expect.poll(async () => (await report(b, range)).totals.calls, { timeout: 60_000 }).toBe(CALLS);
      const before = await report(b, range);
      const agent = await b.control.serviceToken('service:agent');
      const again = b.calls.slice(0, 50).flatMap((c) => spansOf(c));
      const res = await fetch(`${b.control.url}/v1/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
        body: JSON.stringify(otlpJson(again)),
      });
      expect(res.status).toBe(200);
      const after = await report(b, range);
      expect(after.totals).toEqual(before.totals);
      expect(after.latencyMs).toEqual(before.latencyMs);
    }
  });

  it('stores a batch posted twice at the same time once (no FINAL on ClickHouse: writes take turns)', async () => {
    for (const b of backends) {
      const range = `from=${new Date(START - DAY).toISOString()}&to=${new Date(START + SPREAD + DAY).toISOString()}`;
      const before = await report(b, range);
      const agent = await b.control.serviceToken('service:agent');
      const again = JSON.stringify(otlpJson(b.calls.slice(100, 160).flatMap((c) => spansOf(c))));
      const post = () =>
        fetch(`${b.control.url}/v1/traces`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
          body: again,
        });
      const statuses = (await Promise.all([post(), post(), post()])).map((r) => r.status);
      // The gate admits 4 at once, so all three are stored (none 429).
      expect(statuses).toEqual([200, 200, 200]);
      const after = await report(b, range);
      expect(after.totals).toEqual(before.totals);
      expect(after.latencyMs).toEqual(before.latencyMs);
      expect(after.tools).toEqual(before.tools);
    }
  });
});
