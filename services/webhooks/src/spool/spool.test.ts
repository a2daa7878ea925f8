import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, TwilioCallStatus } from '@speaknode/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingBus } from '../testing/memory-bus.ts';
import { Spool, SpoolFullError } from './spool.ts';
import { SpoolRelay } from './spool-relay.ts';

function statusEvent(n: number) {
  return createEvent(TwilioCallStatus, {
    id: `twilio:CA${n}:status:completed`,
    source: 'webhooks',
    subject: `CA${n}`,
    data: { callSid: `CA${n}`, accountSid: 'AC1', callStatus: 'completed', params: { n: String(n) } },
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Spool', () => {
  let directory: string;
  const open: Spool[] = [];
  const openSpool = async (options: Partial<Parameters<typeof Spool.open>[0]> = {}) => {
    const spool = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {}, ...options });
    open.push(spool);
    return spool;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'spool-test-'));
  });
  afterEach(async () => {
    for (const spool of open.splice(0)) await spool.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps committed events across a reopen, in order, until they are acknowledged', async () => {
    const first = await openSpool();
    for (let i = 0; i < 5; i++) await first.append('webhooks.twilio', statusEvent(i));
    await first.close();

    const second = await openSpool();
    expect(second.peek(10).map((r) => r.event.id)).toEqual([0, 1, 2, 3, 4].map((i) => statusEvent(i).id));
    await second.acknowledge(3);
    await second.close();

    const third = await openSpool();
    expect(third.peek(10).map((r) => r.event.id)).toEqual([statusEvent(3).id, statusEvent(4).id]);
    expect(third.depth().events).toBe(2);
  });

  it('commits many concurrent appends with far fewer fsyncs (group commit)', async () => {
    const spool = await openSpool();
    await Promise.all(Array.from({ length: 300 }, (_, i) => spool.append('webhooks.twilio', statusEvent(i))));
    const { committed, fsyncs } = spool.stats();
    expect(committed).toBe(300);
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThan(30);
    expect(spool.peek(1000).map((r) => r.event.id)).toEqual(Array.from({ length: 300 }, (_, i) => statusEvent(i).id));
  });

  it('cuts off a record torn by a crash and keeps appending after the last whole one', async () => {
    const first = await openSpool();
    await first.append('webhooks.twilio', statusEvent(1));
    await first.close();
    const [segment] = (await readdir(directory)).filter((f) => f.endsWith('.spool'));
    const path = join(directory, segment as string);
    const whole = (await stat(path)).size;
    // A header promising 500 bytes followed by only a few: what a kill during write leaves.
    const torn = Buffer.alloc(20);
    torn.writeUInt32BE(500, 0);
    await appendFile(path, torn);

    const second = await openSpool();
    expect((await stat(path)).size).toBe(whole);
    await second.append('webhooks.twilio', statusEvent(2));
    await second.close();

    const third = await openSpool();
    expect(third.peek(10).map((r) => r.event.id)).toEqual([statusEvent(1).id, statusEvent(2).id]);
  });

  it('refuses appends beyond its size limit, and accepts again once the relay caught up', async () => {
    const frame = Buffer.byteLength(JSON.stringify({ t: 'webhooks.twilio', e: statusEvent(1) })) + 8;
    const spool = await openSpool({ maxBytes: frame * 3 });
    for (let i = 1; i <= 3; i++) await spool.append('webhooks.twilio', statusEvent(i));
    await expect(spool.append('webhooks.twilio', statusEvent(4))).rejects.toBeInstanceOf(SpoolFullError);
    expect(spool.depth().events).toBe(3);
    await spool.acknowledge(1);
    await spool.append('webhooks.twilio', statusEvent(4));
    expect(spool.depth().events).toBe(3);
  });

  it('counts dead letters against its limit, across a reopen, and still takes one back on replay', async () => {
    const frame = Buffer.byteLength(JSON.stringify({ t: 'webhooks.twilio', e: statusEvent(1) })) + 8;
    const spool = await openSpool({ maxBytes: frame * 6 });
    for (let i = 1; i <= 3; i++) await spool.append('webhooks.twilio', statusEvent(i));
    for (let i = 1; i <= 3; i++) await spool.setAsideHead('the bus refused it');
    expect(spool.depth().events).toBe(0);
    expect(spool.deadLetters.bytes).toBeGreaterThan(frame * 3);

    // Three letters (each a little bigger than its frame) leave room for two frames, not three.
    await spool.append('webhooks.twilio', statusEvent(4));
    await spool.append('webhooks.twilio', statusEvent(5));
    const refused = await spool.append('webhooks.twilio', statusEvent(6)).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(SpoolFullError);
    expect((refused as Error).message).toMatch(/dead letters: an operator must replay or discard them/);
    await spool.close();
    open.splice(0);

    const reopened = await openSpool({ maxBytes: frame * 6 });
    expect(reopened.deadLetters.count).toBe(3);
    await expect(reopened.append('webhooks.twilio', statusEvent(6))).rejects.toBeInstanceOf(SpoolFullError);
    // A replay moves a letter's bytes from the dead letters to the queue, so a full spool takes it back.
    expect(await reopened.replayDeadLetter(statusEvent(1).id)).toBe(true);
    expect(reopened.peek(10).map((r) => r.event.id)).toEqual([4, 5, 1].map((i) => statusEvent(i).id));
    // Discarding one frees its room.
    expect(await reopened.deadLetters.remove(statusEvent(2).id)).toBe(true);
    await reopened.append('webhooks.twilio', statusEvent(6));
    expect(reopened.depth().events).toBe(4);
  });

  it('rotates segments and deletes the ones the relay has passed', async () => {
    const spool = await openSpool({ segmentBytes: 1024 });
    for (let i = 0; i < 40; i++) await spool.append('webhooks.twilio', statusEvent(i));
    const before = (await readdir(directory)).filter((f) => f.endsWith('.spool'));
    expect(before.length).toBeGreaterThan(3);
    await spool.acknowledge(38);
    const after = (await readdir(directory)).filter((f) => f.endsWith('.spool'));
    expect(after.length).toBeLessThanOrEqual(2);
    await spool.close();
    const reopened = await openSpool({ segmentBytes: 1024 });
    expect(reopened.peek(10).map((r) => r.event.id)).toEqual([statusEvent(38).id, statusEvent(39).id]);
  });
});

describe('SpoolRelay', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'relay-test-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('forwards in order, holds everything while the bus is down, and delivers it once it is back', async () => {
    const spool = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {} });
    const bus = new RecordingBus();
    const relay = new SpoolRelay(spool, bus, { minBackoffMs: 5, maxBackoffMs: 20, log: () => {} });
    relay.start();
    try {
      await spool.append('webhooks.twilio', statusEvent(0));
      await until(() => bus.published.length === 1, 'the first event');

      bus.down = true;
      for (let i = 1; i <= 20; i++) await spool.append(i % 2 ? 'webhooks.twilio' : 'webhooks.inbound', statusEvent(i));
      await until(() => !relay.state().busUp && bus.publishCalls > 3, 'retries while down');
      expect(bus.published).toHaveLength(1);
      expect(spool.depth().events).toBe(20);

      bus.down = false;
      await until(() => spool.depth().events === 0, 'the relay to catch up');
      expect(bus.ids()).toEqual(Array.from({ length: 21 }, (_, i) => statusEvent(i).id));
      expect(bus.published.map((p) => p.topic).slice(1, 4)).toEqual([
        'webhooks.twilio',
        'webhooks.inbound',
        'webhooks.twilio',
      ]);
      expect(relay.state()).toMatchObject({ busUp: true, published: 21 });
    } finally {
      await relay.stop();
      await spool.close();
    }
  });

  it('resumes after a restart without resending what the bus already confirmed', async () => {
    const bus = new RecordingBus();
    const first = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {} });
    for (let i = 0; i < 10; i++) await first.append('webhooks.twilio', statusEvent(i));
    const relay = new SpoolRelay(first, bus, { log: () => {} });
    relay.start();
    await until(() => first.depth().events === 0, 'the first relay');
    await relay.stop();
    bus.down = true;
    for (let i = 10; i < 15; i++) await first.append('webhooks.twilio', statusEvent(i));
    await first.close();

    bus.down = false;
    const second = await Spool.open({ directory, maxBytes: 1_048_576, log: () => {} });
    const resumed = new SpoolRelay(second, bus, { log: () => {} });
    resumed.start();
    await until(() => second.depth().events === 0, 'the resumed relay');
    await resumed.stop();
    await second.close();
    expect(bus.ids()).toEqual(Array.from({ length: 15 }, (_, i) => statusEvent(i).id));
  });
});
