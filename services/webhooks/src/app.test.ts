import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, startTestReceiver, until } from './testing/harness.ts';
import { RecordingBus } from './testing/memory-bus.ts';

const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'app-test-auth-token-0123456789';

function signedStatus(n: number) {
  const params = { CallSid: `CAapp${n}`, AccountSid: 'ACapp', CallStatus: 'completed', Pad: 'p'.repeat(300) };
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/twilio/status`, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

describe('receiver health, readiness, a full spool and the bus down and back', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('keeps accepting while the bus is down, reports it in /readyz, and delivers everything once it is back', async () => {
    const bus = new RecordingBus();
    bus.down = true;
    const receiver = await startTestReceiver({ database, bus, publicBaseUrl: PUBLIC, twilioAuthToken: TOKEN });
    try {
      expect(await readJson(await fetch(`${receiver.url}/healthz`))).toEqual({ status: 'ok' });
      for (let i = 0; i < 10; i++) {
        expect((await fetch(`${receiver.url}/twilio/status`, signedStatus(i))).status).toBe(200);
      }
      await until(() => !receiver.relay.state().busUp, 'the relay to notice');
      const down = await fetch(`${receiver.url}/readyz`);
      expect(down.status).toBe(200);
      expect(await readJson(down)).toMatchObject({
        status: 'degraded',
        spool: { events: 10, accepting: true },
        bus: { up: false, reachable: false, lastError: expect.stringContaining('ECONNREFUSED') },
      });

      bus.down = false;
      await until(() => bus.published.length === 10, 'the backlog on the bus');
      expect(bus.ids()).toEqual(Array.from({ length: 10 }, (_, i) => `twilio:CAapp${i}:status:completed`));
      const up = await readJson(await fetch(`${receiver.url}/readyz`));
      expect(up).toMatchObject({
        status: 'ok',
        spool: { events: 0, bytes: 0 },
        bus: { up: true, reachable: true, published: 10 },
      });
    } finally {
      await receiver.close();
    }
  });

  it('answers 503 with Retry-After when the spool is full, drops nothing it acknowledged, and accepts again once drained', async () => {
    const bus = new RecordingBus();
    bus.down = true;
    const receiver = await startTestReceiver({
      database,
      bus,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: TOKEN,
      spoolMaxBytes: 8_000,
    });
    try {
      const acknowledged: string[] = [];
      let full: Response | undefined;
      for (let i = 0; i < 100 && !full; i++) {
        const res = await fetch(`${receiver.url}/twilio/status`, signedStatus(i));
        if (res.status === 200) acknowledged.push(`twilio:CAapp${i}:status:completed`);
        else full = res;
      }
      expect(full?.status).toBe(503);
      // The bus is down: the relay pings it every second, so a few seconds is a realistic wait.
      expect(full?.headers.get('retry-after')).toBe('5');
      expect(full?.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(acknowledged.length).toBeGreaterThan(3);
      const ready = await fetch(`${receiver.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await readJson(ready)).status).toBe('spool_full');

      bus.down = false;
      await until(() => receiver.spool.depth().events === 0, 'the spool to drain');
      expect(bus.ids()).toEqual(acknowledged);
      expect((await fetch(`${receiver.url}/twilio/status`, signedStatus(999))).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('ends the 503s within seconds of the bus coming back, even deep into a long backoff', async () => {
    const bus = new RecordingBus();
    bus.down = true;
    // A relay whose first backoff is already 10–20 s: where a long outage leaves it.
    const receiver = await startTestReceiver({
      database,
      bus,
      publicBaseUrl: PUBLIC,
      twilioAuthToken: TOKEN,
      spoolMaxBytes: 8_000,
      relayOptions: { minBackoffMs: 20_000, maxBackoffMs: 30_000 },
    });
    try {
      let n = 0;
      let full = false;
      while (!full && n < 100) full = (await fetch(`${receiver.url}/twilio/status`, signedStatus(n++))).status === 503;
      expect(full).toBe(true);
      await until(() => receiver.relay.state().retryInMs >= 10_000, 'the relay to be in a long backoff');

      bus.down = false;
      const back = Date.now();
      await expect
        .poll(async () => (await fetch(`${receiver.url}/twilio/status`, signedStatus(n++))).status, {
          timeout: 4_000,
          interval: 100,
        })
        .toBe(200);
      console.info(`503s ended ${Date.now() - back} ms after the bus came back`);
    } finally {
      await receiver.close();
    }
  });

  it('answers unknown paths with a 404 problem and the admin API with 503 when no issuer is configured', async () => {
    const receiver = await startTestReceiver({ database });
    try {
      const missing = await fetch(`${receiver.url}/nowhere`, { method: 'POST' });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const admin = await fetch(`${receiver.url}/admin/v1/routes`);
      expect(admin.status).toBe(503);
      expect((await readJson(admin)).detail).toMatch(/SPEAKNODE_OIDC_ISSUER/);
      const livekit = await fetch(`${receiver.url}/livekit`, { method: 'POST', body: '{}' });
      expect(livekit.status).toBe(503);
    } finally {
      await receiver.close();
    }
  });
});
