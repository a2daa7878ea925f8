/**
 * One side of the benchmark, run as its own process: `bare` is a plain Express handler for
 * `/twilio/status`; `spool` is the receiver's real app (signature check, event, durable spool with
 * fsync, relay) relaying to an in-memory bus that remembers the ids it got, so the parent can check
 * that no acknowledged event was lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@speaknode/runtime/testing';
import express from 'express';
import { createWebhooksApp } from '../app.ts';
import { EventIntake } from '../event-intake.ts';
import { RouteStore } from '../inbound/route-store.ts';
import { ControlSpaceAccess } from '../inbound/space-access.ts';
import { Spool } from '../spool/spool.ts';
import { SpoolRelay } from '../spool/spool-relay.ts';
import { RecordingBus } from '../testing/memory-bus.ts';
import { NumberDirectory } from '../twilio/number-directory.ts';

const BENCH_PUBLIC_URL = 'https://hooks.example.com';
const BENCH_AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';

const mode = process.argv[2];
const send = (message: unknown) => process.send?.(message);

if (mode === 'bare') {
  const app = express();
  app.post('/twilio/status', express.urlencoded({ extended: false }), (_req, res) => {
    res.status(200).type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
  const server = app.listen(0, '127.0.0.1', () =>
    send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  );
  process.on('message', () => process.exit(0));
} else if (mode === 'spool') {
  const directory = await mkdtemp(join(tmpdir(), 'webhooks-bench-'));
  const database = await createTestDatabase();
  const spool = await Spool.open({ directory, maxBytes: 256 * 1_048_576 });
  const bus = new RecordingBus();
  const relay = new SpoolRelay(spool, bus);
  relay.start();
  const app = createWebhooksApp({
    publicBaseUrl: BENCH_PUBLIC_URL,
    bridgePublicUrl: 'wss://media.example.com',
    twilioAuthToken: BENCH_AUTH_TOKEN,
    voximplantAccounts: new Map(),
    spool,
    intake: new EventIntake(spool),
    relayState: () => relay.state(),
    numbers: new NumberDirectory({ controlUrl: 'http://127.0.0.1:9' }),
    routes: await RouteStore.open(database.pool),
    spaces: new ControlSpaceAccess({ controlUrl: 'http://127.0.0.1:9' }),
  });
  const server = app.listen(0, '127.0.0.1', () =>
    send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
  );
  process.on('message', async (message: { type: string }) => {
    if (message.type !== 'drain') return;
    const deadline = Date.now() + 30_000;
    while (spool.depth().events > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    send({ type: 'drained', ids: bus.ids(), depth: spool.depth().events, ...spool.stats() });
    await relay.stop();
    await spool.close();
    await rm(directory, { recursive: true, force: true });
    await database.drop();
    process.exit(0);
  });
} else {
  process.stderr.write('usage: bench-server.ts bare|spool\n');
  process.exit(64);
}
