import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CallEnded, createEvent, UsageUpdated } from '@speaknode/contracts';
import { runMigrations } from '@speaknode/runtime/db';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startLocalHttpServer } from '../testing/local-http-server.ts';
import { MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from './retry-schedule.ts';
import { createSigningSecret, signWebhook } from './signature.ts';
import { MemoryDeliveryEndpoints } from './testing-endpoints.ts';
import { WebhookDelivery } from './webhook-delivery.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A customer endpoint: answers with whatever `respond` says, records what it got. */
class Receiver {
  received: Received[] = [];
  respond: (r: Received) => { status: number; headers?: Record<string, string>; hang?: boolean } = () => ({
    status: 204,
  });
  private server!: LocalHttpServer;
  url = '';

  async start() {
    this.server = await startLocalHttpServer((req, body, res) => {
      const r = { headers: req.headers, body };
      this.received.push(r);
      const answer = this.respond(r);
      if (answer.hang) return;
      res.writeHead(answer.status, answer.headers).end('thanks');
    });
    this.url = `${this.server.url}/hooks`;
    return this;
  }

  async stop() {
    await this.server.close();
  }
}

/** The receivers listen on loopback: allow-listed, as a space admin would for an internal endpoint. */
const LOOPBACK = ['127.0.0.1'];
const spaceId = randomUUID();
const agentId = randomUUID();
let db: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  db = await createTestDatabase();
  await runMigrations(db.pool, migrations, 'control');
  receiver = await new Receiver().start();
});
afterAll(async () => {
  await receiver?.stop();
  await db?.drop();
});
beforeEach(async () => {
  // Each test starts with no message due, whatever the clock of the one before.
  await db.pool.query('DELETE FROM webhook_messages');
  receiver.received = [];
  receiver.respond = () => ({ status: 204 });
});

function callEnded(status: 'ended' | 'failed' = 'ended') {
  return createEvent(CallEnded, {
    source: 'control',
    spaceId,
    subject: randomUUID(),
    data: {
      callId: randomUUID(),
      agentId,
      channel: 'phone',
      status,
      durationSeconds: 42,
      endReason: 'caller_hangup',
      failureReason: null,
    },
  });
}

function setup(options: { now?: () => Date; timeoutMs?: number; eventTypes?: string[] } = {}) {
  const endpoints = new MemoryDeliveryEndpoints();
  const secret = createSigningSecret();
  const endpoint = endpoints.add({
    id: randomUUID(),
    spaceId,
    url: receiver.url,
    secret,
    enabled: true,
    eventTypes: options.eventTypes ?? [],
    hostAllowList: LOOPBACK,
  });
  const delivery = new WebhookDelivery({
    pool: db.pool,
    endpoints,
    random: () => 0.5,
    ...(options.now ? { now: options.now } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return { endpoints, endpoint, secret, delivery };
}

describe('Standard Webhooks signatures', () => {
  it('are accepted by the standardwebhooks library and rejected when anything changes', () => {
    const secret = createSigningSecret();
    const body = JSON.stringify({ type: 'call.ended', data: { callId: 'x' } });
    const headers = signWebhook(secret, 'msg_1', new Date(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(createSigningSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow(
      WebhookVerificationError,
    );
    const old = signWebhook(secret, 'msg_1', new Date(Date.now() - 3600_000), body);
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(/too old/);
  });

  it('refuses a secret that is not a whsec_ secret', () => {
    expect(() => signWebhook('plain-secret', 'm', new Date(), '{}')).toThrow(/whsec_/);
  });
});

describe('retry schedule', () => {
  it('backs off exponentially from 5 s for about three days, then gives up', () => {
    const mid = () => 0.5;
    expect(retryDelayMs(1, mid)).toBe(5_000);
    expect(retryDelayMs(2, mid)).toBe(10_000);
    expect(retryDelayMs(3, mid)).toBe(20_000);
    let total = 0;
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) total += retryDelayMs(attempt, mid)!;
    expect(total / 3600_000).toBeGreaterThan(66);
    expect(total / 3600_000).toBeLessThan(78);
    expect(retryDelayMs(MAX_ATTEMPTS, mid)).toBeNull();
    expect(retryDelayMs(MAX_ATTEMPTS - 1, mid)).toBe(12 * 3600_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('9999999', now)).toBe(24 * 3600_000);
  });
});

describe(`WebhookDelivery (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('delivers a signed event once per matching subscription, idempotent by event id', async () => {
    const { endpoints, endpoint, secret, delivery } = setup();
    endpoints.add({
      id: randomUUID(),
      spaceId,
      url: receiver.url,
      secret,
      enabled: true,
      eventTypes: ['usage.updated'],
      hostAllowList: LOOPBACK,
    });
    endpoints.add({
      id: randomUUID(),
      spaceId: randomUUID(),
      url: receiver.url,
      secret,
      enabled: true,
      eventTypes: [],
      hostAllowList: LOOPBACK,
    });
    const event = callEnded();
    expect(await delivery.enqueue(event)).toBe(1);
    expect(await delivery.enqueue(event)).toBe(0);
    expect(await delivery.deliverDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    const payload = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: { callId: string; spaceId: string };
    };
    expect(payload.type).toBe('call.ended');
    expect(payload.data).toMatchObject({ callId: event.data.callId, spaceId, durationSeconds: 42 });
    const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 10 });
    expect(message).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 204 });
    expect(got.headers['webhook-id']).toBe(`msg_${message!.id}`);
    const attempts = await delivery.listAttempts(message!.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'delivered', status_code: 204, response_excerpt: null });
    expect(await delivery.deliverDue()).toBe(0);
  });

  it('names a failed call call.failed and skips events customers cannot subscribe to', async () => {
    const { endpoint, delivery } = setup({ eventTypes: ['call.failed'] });
    expect(await delivery.enqueue(callEnded('ended'))).toBe(0);
    expect(await delivery.enqueue(callEnded('failed'))).toBe(1);
    const usage = createEvent(UsageUpdated, {
      source: 'control',
      spaceId,
      data: { callId: randomUUID(), agentId, usage: {} },
    });
    expect(await delivery.enqueue(usage)).toBe(0);
    await delivery.deliverDue();
    const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 10 });
    expect(message!.event_type).toBe('call.failed');
  });

  it('retries on the schedule while the subscriber fails, logs every attempt, gives up, and replays', async () => {
    let clock = new Date('2026-03-01T00:00:00Z').getTime();
    const { endpoint, delivery } = setup({ now: () => new Date(clock) });
    receiver.respond = () => ({ status: 500 });
    await delivery.enqueue(callEnded());
    const start = clock;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      expect(await delivery.deliverDue()).toBe(1);
      const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1 });
      expect(message!.attempts).toBe(attempt);
      if (attempt === MAX_ATTEMPTS) {
        expect(message!.status).toBe('failed');
        break;
      }
      expect(message!.status).toBe('pending');
      const due = message!.next_attempt_at!.getTime();
      expect(due - clock).toBe(retryDelayMs(attempt, () => 0.5));
      clock = due - 1;
      expect(await delivery.deliverDue()).toBe(0); // not before it is due
      clock = due;
    }
    expect((clock - start) / 3600_000).toBeGreaterThan(66);
    const [failed] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1, status: 'failed' });
    const attempts = await delivery.listAttempts(failed!.id);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    expect(attempts.every((a) => a.status_code === 500)).toBe(true);
    expect(attempts.at(-1)!.outcome).toBe('failed');
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    // Every retry carries the same webhook-id so the receiver can deduplicate.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

    receiver.respond = () => ({ status: 200 });
    expect(await delivery.replay(randomUUID(), failed!.id)).toBeNull(); // another space's message
    expect((await delivery.replay(spaceId, failed!.id))!.status).toBe('pending');
    expect(await delivery.deliverDue()).toBe(1);
    expect((await delivery.getMessage(spaceId, failed!.id))!.status).toBe('delivered');
    expect(await delivery.listAttempts(failed!.id)).toHaveLength(MAX_ATTEMPTS + 1);
  });

  it('honours Retry-After when it asks for longer than the schedule', async () => {
    const clock = new Date('2026-03-05T00:00:00Z').getTime();
    const { endpoint, delivery } = setup({ now: () => new Date(clock) });
    receiver.respond = () => ({ status: 429, headers: { 'retry-after': '120' } });
    await delivery.enqueue(callEnded());
    await delivery.deliverDue();
    const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1 });
    expect(message!.next_attempt_at!.getTime() - clock).toBe(120_000);
    expect(message!.last_status_code).toBe(429);
  });

  it('disables the endpoint on 410 Gone and stops its pending messages', async () => {
    const { endpoints, endpoint, delivery } = setup();
    receiver.respond = () => ({ status: 410 });
    await delivery.enqueue(callEnded());
    await delivery.enqueue(callEnded());
    expect(await delivery.deliverDue(1)).toBe(1);
    expect(endpoints.endpoints.get(endpoint.id)!.enabled).toBe(false);
    expect(endpoints.endpoints.get(endpoint.id)!.disabledReason).toMatch(/410 Gone/);
    const messages = await delivery.listMessages(spaceId, endpoint.id, { limit: 10 });
    expect(messages.map((m) => m.status)).toEqual(['failed', 'failed']);
    expect(await delivery.deliverDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('gives up on an endpoint that does not answer in time and schedules a retry', async () => {
    const { endpoint, delivery } = setup({ timeoutMs: 200 });
    receiver.respond = () => ({ status: 200, hang: true });
    await delivery.enqueue(callEnded());
    await delivery.deliverDue();
    const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1 });
    expect(message).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null });
    expect(message!.last_error).toBe('no answer within 0.2 s');
  });

  it('works through a backlog in one pass when the poller runs', async () => {
    const { endpoint, delivery } = setup();
    for (let i = 0; i < 45; i++) await delivery.enqueue(callEnded());
    delivery.start(60_000); // one tick now, the next a minute away: the backlog must go in the first
    const deadline = Date.now() + 15_000;
    while ((await delivery.listMessages(spaceId, endpoint.id, { limit: 100, status: 'delivered' })).length < 45) {
      if (Date.now() > deadline) throw new Error('the backlog was not delivered in one pass');
      await new Promise((r) => setTimeout(r, 50));
    }
    await delivery.stop();
    expect(receiver.received).toHaveLength(45);
  });

  it('keeps the message when the subscriber is down, with the reason in the log', async () => {
    const { endpoints, endpoint, delivery } = setup();
    const gone = await new Receiver().start();
    await gone.stop();
    endpoints.endpoints.get(endpoint.id)!.url = gone.url;
    await delivery.enqueue(callEnded());
    await delivery.deliverDue();
    const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1 });
    expect(message!.status).toBe('pending');
    const [attempt] = await delivery.listAttempts(message!.id);
    expect(attempt).toMatchObject({ outcome: 'retry', status_code: null });
    expect(attempt!.error).toMatch(/ECONNREFUSED/);
  });

  describe('address policy (the one HTTP tools use)', () => {
    async function attemptTo(url: string, options: { allow?: string[]; resolveTo?: string } = {}) {
      const { endpoints, endpoint } = setup();
      const stored = endpoints.endpoints.get(endpoint.id)!;
      stored.url = url;
      stored.hostAllowList = options.allow ?? [];
      const resolveTo = options.resolveTo;
      const delivery = new WebhookDelivery({
        pool: db.pool,
        endpoints,
        random: () => 0.5,
        ...(resolveTo
          ? { resolver: async () => [{ address: resolveTo, family: resolveTo.includes(':') ? 6 : 4 }] }
          : {}),
      });
      await delivery.enqueue(callEnded());
      await delivery.deliverDue();
      const [message] = await delivery.listMessages(spaceId, endpoint.id, { limit: 1 });
      const [attempt] = await delivery.listAttempts(message!.id);
      return { message: message!, attempt: attempt! };
    }

    it.each([
      ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data', undefined, /cloud-metadata/],
      ['loopback', 'https://127.0.0.1:9/hooks', undefined, /loopback/],
      ['a name resolving to a private address', 'https://hooks.example/in', '10.1.2.3', /private/],
      ['an IPv4-mapped loopback address', 'https://hooks.example/in', '::ffff:127.0.0.1', /loopback/],
      ['CGNAT', 'https://hooks.example/in', '100.64.0.1', /cgnat/],
      ['plain http to a host not on the list', 'http://hooks.example/in', '93.184.216.34', /https only/],
    ])('refuses %s without sending, fails the message and shows no reply', async (_name, url, resolveTo, error) => {
      const { message, attempt } = await attemptTo(url, resolveTo ? { resolveTo } : {});
      expect(receiver.received).toHaveLength(0);
      expect(message).toMatchObject({ status: 'failed', attempts: 1, last_status_code: null });
      expect(attempt).toMatchObject({ outcome: 'failed', status_code: null, response_excerpt: null });
      expect(attempt.error).toMatch(error);
      expect(attempt.error).toMatch(/^refused: /);
    });

    it('delivers to an allow-listed host at a private address, over http too, pinned to the checked address', async () => {
      const port = new URL(receiver.url).port;
      const { message } = await attemptTo(`http://hooks.internal:${port}/hooks`, {
        allow: ['hooks.internal'],
        resolveTo: '127.0.0.1',
      });
      expect(message.status).toBe('delivered');
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.headers.host).toBe(`hooks.internal:${port}`);
    });

    it('follows no redirect: a 3xx is a failed attempt and the target is never called', async () => {
      const target = await new Receiver().start();
      receiver.respond = () => ({ status: 307, headers: { location: target.url } });
      const { message, attempt } = await attemptTo(receiver.url, { allow: LOOPBACK });
      await target.stop();
      expect(receiver.received).toHaveLength(1);
      expect(target.received).toHaveLength(0);
      expect(message.status).toBe('pending');
      expect(attempt).toMatchObject({ outcome: 'retry', status_code: 307 });
    });
  });
});
