import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, openBus } from '@speaknode/runtime/bus';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, until } from '../testing/harness.ts';
import { type Receiver, startReceiverProcess as startProcess } from '../testing/receiver-process.ts';

const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'crash-test-auth-token-0123456789';
/** Kafka when KAFKA_BROKERS is set (not available on the development machine), else the PostgreSQL bus. */
const KAFKA = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];

function startReceiverProcess(databaseUrl: string, dataDir: string, kafkaBrokers: string[] = KAFKA): Promise<Receiver> {
  return startProcess({ databaseUrl, dataDir, kafkaBrokers, publicBaseUrl: PUBLIC, twilioAuthToken: TOKEN });
}

/** Unique per run, so a persistent broker's earlier runs cannot satisfy this one. */
const RUN = Date.now().toString(36);

function statusCallback(n: number) {
  const params = {
    CallSid: `CA${RUN}x${n}`,
    AccountSid: 'ACcrash',
    CallStatus: 'completed',
    CallDuration: String(n % 60),
  };
  const body = new URLSearchParams(params).toString();
  return {
    id: `twilio:CA${RUN}x${n}:status:completed`,
    body,
    signature: twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/twilio/status`, params),
  };
}

describe(`the spool across a hard kill (SIGKILL right after a 2xx), on the ${KAFKA.length > 0 ? 'Kafka' : 'PostgreSQL'} bus`, () => {
  let database: TestDatabase;
  let bus: Bus;
  let dataDir: string;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    bus = await openBus({ pool: database.pool, kafkaBrokers: KAFKA });
    dataDir = await mkdtemp(join(tmpdir(), 'webhooks-crash-'));
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await bus.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Posts signed status callbacks, 32 in flight, and SIGKILLs the receiver from inside the callback of the `target`th 2xx. */
  async function postUntilKilled(receiver: Receiver, target: number, first: number): Promise<string[]> {
    const acknowledged: string[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    let n = first;
    let killed = false;
    await new Promise<void>((resolve) => {
      const sendNext = () => {
        if (killed) return;
        const callback = statusCallback(n++);
        const req = http.request(
          `${receiver.url}/twilio/status`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': callback.signature },
          },
          (res) => {
            res.resume();
            if (res.statusCode === 200 && !killed) {
              acknowledged.push(callback.id);
              if (acknowledged.length >= target) {
                killed = true;
                receiver.child.kill('SIGKILL');
                resolve();
                return;
              }
            }
            sendNext();
          },
        );
        req.on('error', () => {});
        req.end(callback.body);
      };
      for (let i = 0; i < 32; i++) sendNext();
    });
    agent.destroy();
    await receiver.exited;
    expect(receiver.child.signalCode).toBe('SIGKILL');
    return acknowledged;
  }

  it('delivers every acknowledged event to the bus, once per id, after kills with the bus down and up', async () => {
    // 1. The bus is unreachable (a Kafka broker nobody listens on): the receiver starts anyway and accepts into its spool.
    const busDown = await startReceiverProcess(database.url, dataDir, ['127.0.0.1:1']);
    running.push(busDown.child);
    const whileDown = await postUntilKilled(busDown, 60, 0);

    // 2. The bus is there: killed again in full flow, with events in every stage (spooled, relaying, relayed).
    const busUp = await startReceiverProcess(database.url, dataDir);
    running.push(busUp.child);
    const whileUp = await postUntilKilled(busUp, 150, 10_000);

    // 3. Restarted: everything acknowledged in 1 and 2 reaches the bus.
    const last = await startReceiverProcess(database.url, dataDir);
    running.push(last.child);
    const acknowledged = [...whileDown, ...whileUp];
    const seen = new Map<string, number>();
    const subscription = await bus.subscribe({
      group: `crash-test-${RUN}`,
      topics: ['webhooks.twilio'],
      fromBeginning: true,
      handler: async ({ event }) => {
        seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
      },
    });
    try {
      await until(() => acknowledged.every((id) => seen.has(id)), 'every acknowledged event on the bus', 60_000);
      const ready = await readJson(await fetch(`${last.url}/readyz`));
      expect(ready.bus.up).toBe(true);
    } finally {
      await subscription.stop();
      last.child.kill('SIGTERM');
      await last.exited;
    }
    // At least once on the bus; a consumer that drops ids it has seen gets each acknowledged event exactly once.
    expect(new Set(acknowledged).size).toBe(210);
    expect(acknowledged.filter((id) => !seen.has(id))).toEqual([]);
    console.info(
      `hard kill: ${acknowledged.length} acknowledged (${whileDown.length} while the bus was down), ${seen.size} distinct ids on the bus, ${[...seen.values()].filter((c) => c > 1).length} delivered more than once (absorbed by id)`,
    );
  }, 180_000);
});
