/**
 * `POST /v1/traces` against bad input: who may post, malformed OTLP, spans of another space's calls
 * (refused and counted, never stored), missing fields, a flood (429 + Retry-After), and the
 * analytics API's own guards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControl, type TestControl } from '../testing/harness.ts';
import { decodeResponse } from './otlp.ts';
import {
  generateCalls,
  insertCalls,
  otlpJson,
  otlpProtobuf,
  type SyntheticCall,
  spansOf,
} from './testing/synthetic-calls.ts';

let control: TestControl;
let agentToken: string;
let ownerToken: string;
let spaceA: string;
let spaceB: string;
let callsA: SyntheticCall[];
let callsB: SyntheticCall[];
const AGENT = '33333333-3333-4333-8333-333333333333';
const START = Date.UTC(2026, 4, 1);

beforeAll(async () => {
  control = await startTestControl();
  agentToken = await control.serviceToken('service:agent');
  ownerToken = await control.userToken('ingest-owner');
  spaceA = (await control.request('POST', '/api/v1/spaces', { token: ownerToken, body: { name: 'A' } })).body.id;
  spaceB = (await control.request('POST', '/api/v1/spaces', { token: ownerToken, body: { name: 'B' } })).body.id;
  const gen = (seed: number, spaceId: string) =>
    generateCalls({
      seed,
      calls: 12,
      spaceId,
      agentIds: [AGENT],
      startMs: START,
      spreadMs: 3_600_000,
      turnsPerCall: [3, 3],
    }).filter((c) => c.turns.length > 0);
  callsA = gen(1, spaceA);
  callsB = gen(2, spaceB);
  await insertCalls(control.control.ctx.pool, [...callsA, ...callsB]);
});
afterAll(() => control.close());

const post = (body: string | Buffer, contentType: string, token = agentToken) =>
  fetch(`${control.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });

const storedTurns = async (spaceId: string) =>
  Number(
    (await control.control.ctx.pool.query('SELECT count(*) AS n FROM analytics_turns WHERE space_id = $1', [spaceId]))
      .rows[0].n,
  );

describe('POST /v1/traces', () => {
  it('needs a service:agent token: none 401, a user 403, another service 403', async () => {
    const body = JSON.stringify(otlpJson(spansOf(callsA[0]!)));
    expect((await post(body, 'application/json', '')).status).toBe(401);
    expect((await post(body, 'application/json', ownerToken)).status).toBe(403);
    const bridge = await control.serviceToken('service:bridge');
    expect((await post(body, 'application/json', bridge)).status).toBe(403);
    expect(await storedTurns(spaceA)).toBe(0);
  });

  it('answers malformed OTLP with a problem and stores nothing', async () => {
    const bad = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/malformed OTLP protobuf/);
    expect((await post('{"resourceSpans": 7}', 'application/json')).status).toBe(400);
    expect((await post('not json', 'application/json')).status).toBe(400);
    expect((await post('x', 'text/plain')).status).toBe(415);
    expect(await storedTurns(spaceA)).toBe(0);
  });

  it("refuses spans of another space's calls, counts them, and stores them nowhere", async () => {
    const mine = spansOf(callsA[0]!);
    // B's call, claimed for A; A's call, claimed by a made-up agent; a call that does not exist; no ids at all.
    const forged = [
      ...spansOf(callsB[0]!, { spaceId: spaceA }),
      ...spansOf(callsA[1]!, { agentId: '44444444-4444-4444-8444-444444444444' }),
      ...spansOf({ ...callsA[2]!, id: '55555555-5555-4555-8555-555555555555' }),
      {
        ...mine[0]!,
        spanId: 'aaaaaaaaaaaaaaaa',
        attributes: mine[0]!.attributes.filter((a) => !a.key.startsWith('speaknode.')),
      },
    ];
    const res = await post(otlpProtobuf([...mine, ...forged]), 'application/x-protobuf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-protobuf');
    const answer = decodeResponse(new Uint8Array(await res.arrayBuffer()));
    expect(answer.rejectedSpans).toBe(forged.length);
    expect(answer.errorMessage).toMatch(/not a call of that space/);
    expect(await storedTurns(spaceA)).toBe(callsA[0]!.turns.length);
    expect(await storedTurns(spaceB)).toBe(0);
  });

  it('stores a span with its measurements missing, and ignores spans that are not analytics', async () => {
    const call = callsA[3]!;
    const [turn] = spansOf(call);
    const bare = {
      ...turn!,
      spanId: 'bbbbbbbbbbbbbbbb',
      attributes: turn!.attributes.filter(
        (a) => a.key.startsWith('speaknode.call_id') || a.key.startsWith('speaknode.space_id'),
      ),
    };
    const framework = { ...turn!, spanId: 'cccccccccccccccc', name: 'llm_request' };
    const res = await post(JSON.stringify(otlpJson([bare, framework])), 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const { rows } = await control.control.ctx.pool.query(
      'SELECT eou_delay_ms, interrupted, tool_calls FROM analytics_turns WHERE span_id = $1',
      ['bbbbbbbbbbbbbbbb'],
    );
    expect(rows).toEqual([{ eou_delay_ms: null, interrupted: false, tool_calls: 0 }]);
  });

  it('answers 429 with Retry-After while the ingest gate is full, and takes the spans again after', async () => {
    const { analytics } = control.control.ctx;
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const holders = Array.from({ length: analytics.settings.maxConcurrentIngests }, () => analytics.gated(() => held));
    const body = JSON.stringify(otlpJson(spansOf(callsA[4]!)));
    const refused = await post(body, 'application/json');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(analytics.settings.retryAfterSeconds));
    release();
    await Promise.all(holders);
    expect((await post(body, 'application/json')).status).toBe(200);
  });
});

describe('GET …/analytics', () => {
  it('refuses bad queries, and another space or call answers 404', async () => {
    const base = `/api/v1/spaces/${spaceA}/analytics`;
    expect((await control.request('GET', `${base}?bucket=week`, { token: ownerToken })).status).toBe(400);
    expect((await control.request('GET', `${base}?from=yesterday`, { token: ownerToken })).status).toBe(400);
    expect((await control.request('GET', `${base}?sql=1`, { token: ownerToken })).status).toBe(400);
    const inverted = await control.request('GET', `${base}?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z`, {
      token: ownerToken,
    });
    expect(inverted.status).toBe(400);
    const tooLong = await control.request(
      'GET',
      `${base}?from=2026-01-01T00:00:00Z&to=2026-05-01T00:00:00Z&bucket=hour`,
      {
        token: ownerToken,
      },
    );
    expect(tooLong.status).toBe(400);
    const stranger = await control.userToken('stranger');
    expect((await control.request('GET', base, { token: stranger })).status).toBe(404);
    const otherCall = await control.request('GET', `${base}/calls/${callsB[0]!.id}/turns`, { token: ownerToken });
    expect(otherCall.status).toBe(404);
  });
});
