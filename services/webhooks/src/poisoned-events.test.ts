import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, type EventEnvelope, Topics, TwilioCallStatus } from '@speaknode/contracts';
import { OidcVerifier } from '@speaknode/runtime/auth';
import { type Bus, openBus, refuseBadEnvelopes } from '@speaknode/runtime/bus';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Spool } from './spool/spool.ts';
import { isRefusalOfEvents, SpoolRelay } from './spool/spool-relay.ts';
import { readJson, startTestReceiver, type TestReceiver } from './testing/harness.ts';
import { startTestIssuer } from './testing/test-issuer.ts';

const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'poison-test-auth-token-0123456789';
const AUDIENCE = 'speaknode-webhooks-test';
const RUN = Date.now().toString(36);

/** Every event id that reaches the real bus (PostgreSQL, which refuses what Kafka consumers could not store either). */
async function watchBus(bus: Bus, group: string) {
  const seen: EventEnvelope[] = [];
  const subscription = await bus.subscribe({
    group,
    topics: [Topics.webhooksTwilio],
    fromBeginning: true,
    handler: async ({ event }) => {
      seen.push(event);
    },
  });
  return { seen, ids: () => seen.map((e) => e.id), stop: () => subscription.stop() };
}

function signedForm(path: string, params: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

function signedJson(basePath: string, body: string): { path: string; init: RequestInit } {
  const path = `${basePath}?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
  return {
    path,
    init: {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, {}),
      },
      body,
    },
  };
}

const status = (callSid: string, extra: Record<string, string> = {}) => ({
  CallSid: callSid,
  AccountSid: 'ACpoison',
  CallStatus: 'completed',
  ...extra,
});

/** An event as an older receiver acknowledged it, before the intake checked what the bus takes. */
function poisoned(n: number, change: (event: EventEnvelope) => EventEnvelope): EventEnvelope {
  return change(
    createEvent(TwilioCallStatus, {
      id: `twilio:CApoison${RUN}x${n}:status:completed`,
      source: 'webhooks',
      subject: `CApoison${RUN}x${n}`,
      data: { callSid: `CApoison${RUN}x${n}`, accountSid: 'ACpoison', callStatus: 'completed', params: {} },
    }),
  );
}

function valid(n: number): EventEnvelope {
  return createEvent(TwilioCallStatus, {
    id: `twilio:CAvalid${RUN}x${n}:status:completed`,
    source: 'webhooks',
    subject: `CAvalid${RUN}x${n}`,
    data: { callSid: `CAvalid${RUN}x${n}`, accountSid: 'ACpoison', callStatus: 'completed', params: {} },
  });
}

describe('poisoned events on the real (PostgreSQL) bus', () => {
  let database: TestDatabase;
  let bus: Bus;
  let receiver: TestReceiver | undefined;
  let issuer: Awaited<ReturnType<typeof startTestIssuer>>;
  let verifier: OidcVerifier;

  beforeAll(async () => {
    database = await createTestDatabase();
    bus = await openBus({ pool: database.pool });
    issuer = await startTestIssuer({
      audience: AUDIENCE,
      clients: [
        { clientId: 'platform-ops', roles: ['speaknode:admin'] },
        { clientId: 'space-admin', roles: [] },
      ],
    });
    verifier = new OidcVerifier({ issuer: issuer.issuerUrl, audience: AUDIENCE });
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await bus.close();
    await issuer.close();
    await database.drop();
  });

  it('the receiver answers 400 for what the bus would refuse, normalises long ids, and later events flow', async () => {
    receiver = await startTestReceiver({ bus, database, twilioAuthToken: TOKEN });
    const watch = await watchBus(bus, `poison-receiver-${RUN}`);
    try {
      const nul = await fetch(
        `${receiver.url}/twilio/status`,
        signedForm('/twilio/status', status(`CAnul${RUN}`, { CallerName: 'a\u0000b' })),
      );
      expect(nul.status).toBe(400);
      expect(await nul.text()).toMatch(/params\.CallerName contains a NUL character/);

      const surrogate = signedJson(
        '/twilio/status',
        `{"CallSid":"CAsur${RUN}","AccountSid":"ACpoison","CallStatus":"completed","CallerName":"\\ud800"}`,
      );
      const lone = await fetch(`${receiver.url}${surrogate.path}`, surrogate.init);
      expect(lone.status).toBe(400);
      expect(await lone.text()).toMatch(/lone UTF-16 surrogate/);

      // 201 characters: over the envelope's subject limit; hashed into the subject (and id), like long ids already were.
      const longSid = `CA${RUN}${'x'.repeat(201 - 2 - RUN.length)}`;
      expect(longSid).toHaveLength(201);
      const longStatus = await fetch(`${receiver.url}/twilio/status`, signedForm('/twilio/status', status(longSid)));
      expect(longStatus.status).toBe(200);
      const recordingParams = { ...status(longSid), RecordingSid: `RE${RUN}`, RecordingStatus: 'completed' };
      const longRecording = await fetch(
        `${receiver.url}/twilio/recording`,
        signedForm('/twilio/recording', recordingParams),
      );
      expect(longRecording.status).toBe(200);

      const after = [`CAafter${RUN}a`, `CAafter${RUN}b`];
      for (const sid of after) {
        expect((await fetch(`${receiver.url}/twilio/status`, signedForm('/twilio/status', status(sid)))).status).toBe(
          200,
        );
      }
      await expect
        .poll(() => watch.ids(), { timeout: 5_000 })
        .toEqual(expect.arrayContaining(after.map((sid) => `twilio:${sid}:status:completed`)));
      const longOnes = watch.seen.filter((e) => (e.data as { callSid?: string }).callSid === longSid);
      expect(longOnes).toHaveLength(2);
      for (const event of longOnes) expect(event.subject).toMatch(/^h[0-9a-f]{32}$/);
      expect(new Set(longOnes.map((e) => e.subject)).size).toBe(1);
      expect(watch.ids().some((id) => id.includes(`CAnul${RUN}`) || id.includes(`CAsur${RUN}`))).toBe(false);
      expect(receiver.spool.deadLetters.count).toBe(0);
    } finally {
      await watch.stop();
    }
  });

  it('the relay sets aside what the bus refuses, goes on, keeps the dead letters across a restart, and replays them', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'webhooks-poison-'));
    try {
      // What an older receiver acknowledged: each poisoned event followed by valid ones.
      const seeded = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {} });
      const poison = [
        poisoned(1, (e) => ({ ...e, data: { ...(e.data as object), params: { CallerName: 'a\u0000b' } } })),
        poisoned(2, (e) => ({ ...e, subject: 'x'.repeat(201) })),
        poisoned(3, (e) => ({ ...e, data: { ...(e.data as object), params: { CallerName: '\ud800' } } })),
      ];
      const expected: string[] = [];
      let n = 0;
      for (const event of poison) {
        await seeded.append(Topics.webhooksTwilio, event);
        for (let i = 0; i < 3; i++) {
          const ok = valid(n++);
          expected.push(ok.id);
          await seeded.append(Topics.webhooksTwilio, ok);
        }
      }
      await seeded.close();

      const watch = await watchBus(bus, `poison-relay-${RUN}`);
      try {
        receiver = await startTestReceiver({ bus, database, spoolDirectory: directory, adminVerifier: verifier });
        await expect.poll(() => watch.ids(), { timeout: 5_000 }).toEqual(expect.arrayContaining(expected));
        expect(receiver.spool.deadLetters.list().map((l) => l.event.id)).toEqual(poison.map((e) => e.id));

        const ready = await readJson(await fetch(`${receiver.url}/readyz`));
        expect(ready.deadLetters).toMatchObject({ count: 3, setAsideSinceStart: 3 });
        expect(ready.deadLetters.bytes).toBeGreaterThan(0);
        const metrics = await (await fetch(`${receiver.url}/metrics`)).text();
        expect(metrics).toMatch(/^webhooks_dead_letters 3$/m);
        expect(metrics).toMatch(/^webhooks_dead_lettered_total 3$/m);

        // Restart: the dead letters are still there, nothing is sent twice, and new events flow.
        await receiver.close();
        receiver = await startTestReceiver({ bus, database, spoolDirectory: directory, adminVerifier: verifier });
        expect(receiver.spool.deadLetters.count).toBe(3);
        const later = valid(1_000);
        await receiver.spool.append(Topics.webhooksTwilio, later);
        await expect.poll(() => watch.ids(), { timeout: 5_000 }).toContain(later.id);
        expect((await readJson(await fetch(`${receiver.url}/readyz`))).deadLetters.count).toBe(3);

        // The admin routes: platform role only; list, replay (refused again → back here), discard.
        const ops = await issuer.tokens('platform-ops').token();
        const other = await issuer.tokens('space-admin').token();
        const admin = (path: string, init: RequestInit = {}, token = ops) =>
          fetch(`${receiver?.url}/admin/v1/dead-letters${path}`, {
            ...init,
            headers: { authorization: `Bearer ${token}` },
          });
        expect((await admin('/', {}, other)).status).toBe(403);
        expect((await fetch(`${receiver.url}/admin/v1/dead-letters`)).status).toBe(401);
        const listed = await readJson(await admin('/'));
        expect(listed.count).toBe(3);
        expect(listed.items.map((item: { id: string }) => item.id)).toEqual(poison.map((e) => e.id));
        expect(listed.items[0].reason).toMatch(/NUL/);

        const id = encodeURIComponent(poison[0]!.id);
        expect((await admin(`/${id}/replay`, { method: 'POST' })).status).toBe(202);
        const afterReplay = valid(1_001);
        await receiver.spool.append(Topics.webhooksTwilio, afterReplay);
        await expect.poll(() => watch.ids(), { timeout: 5_000 }).toContain(afterReplay.id);
        expect(receiver.spool.deadLetters.count).toBe(3);
        expect(receiver.relay.state().deadLettered).toBe(1);

        expect((await admin(`/${id}`, { method: 'DELETE' })).status).toBe(204);
        expect((await admin(`/${id}`)).status).toBe(404);
        expect((await readJson(await admin('/'))).count).toBe(2);
        expect(watch.ids().filter((seen) => poison.some((p) => p.id === seen))).toEqual([]);
        expect(watch.ids().filter((seen) => seen === expected[0])).toHaveLength(1);
      } finally {
        await watch.stop();
      }
    } finally {
      await receiver?.close();
      receiver = undefined;
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("finds the event the bus refuses inside a batch by the bus's own error, and sends the rest", async () => {
    const refusal = await database.pool.query(`SELECT '"\\u0000"'::jsonb`).catch((error: unknown) => error);
    expect(isRefusalOfEvents(refusal)).toBe(true);
    expect(isRefusalOfEvents(new Error('connect ECONNREFUSED 127.0.0.1:9092'))).toBe(false);
    // The buses' own envelope check is recognised by its type, not by its wording.
    const badEnvelope = (() => {
      try {
        refuseBadEnvelopes([{ id: 'no-type' }]);
      } catch (error) {
        return error;
      }
    })();
    expect(isRefusalOfEvents(new Error('wrapped', { cause: badEnvelope }))).toBe(true);
    expect(isRefusalOfEvents(new Error('refusing to publish a bad event envelope'))).toBe(false);

    // A bus that refuses one event the local check passes (as a newer bus version might): the real PostgreSQL error.
    const refusedId = valid(2_000).id;
    const batches: number[] = [];
    const refusing: Bus = {
      publish: async (topic, events) => {
        batches.push(events.length);
        if (events.some((e) => e.id === refusedId)) throw refusal;
        await bus.publish(topic, events);
      },
      subscribe: (options) => bus.subscribe(options),
      ping: () => bus.ping(),
      close: async () => {},
    };
    const directory = await mkdtemp(join(tmpdir(), 'webhooks-poison-'));
    const spool = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {} });
    const events = [valid(1_999), valid(2_000), valid(2_001), valid(2_002)];
    for (const event of events) await spool.append(Topics.webhooksTwilio, event);
    const relay = new SpoolRelay(spool, refusing, { minBackoffMs: 5, maxBackoffMs: 20, log: () => {} });
    const watch = await watchBus(bus, `poison-batch-${RUN}`);
    try {
      relay.start();
      await expect
        .poll(() => watch.ids(), { timeout: 5_000 })
        .toEqual(expect.arrayContaining([events[0]!.id, events[2]!.id, events[3]!.id]));
      expect(spool.deadLetters.list().map((l) => l.event.id)).toEqual([refusedId]);
      expect(spool.deadLetters.list()[0]?.reason).toMatch(/the bus refused it/);
      expect(batches[0]).toBe(4);
      expect(relay.state().busUp).toBe(true);
    } finally {
      await watch.stop();
      await relay.stop();
      await spool.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
