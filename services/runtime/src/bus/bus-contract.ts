import { createEvent, type EventEnvelope, ResourceChanged, type Topic, Topics } from '@speaknode/contracts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus, DeliveredEvent } from './bus.ts';

/**
 * A transport under test: `open()` gives a bus on the shared backing store (a second call gives a
 * second, independent client, as another process would have).
 */
export interface BusUnderTest {
  open(): Promise<Bus>;
  cleanup(): Promise<void>;
}

const topic: Topic = Topics.controlEvents;

function eventsFor(run: string, count: number, subject = `subject-${run}`): EventEnvelope[] {
  return Array.from({ length: count }, (_, i) =>
    createEvent(ResourceChanged, {
      source: 'bus-contract',
      subject,
      id: `${run}-${i}`,
      data: { resource: 'agent', resourceId: `${run}-${i}`, action: 'created' },
    }),
  );
}

/** Collects delivered events whose id starts with `run` (a shared Kafka may hold older runs' events). */
function collector(run: string) {
  const seen: DeliveredEvent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    seen,
    handler: async (delivered: DeliveredEvent) => {
      if (!delivered.event.id.startsWith(`${run}-`)) return;
      seen.push(delivered);
      for (const w of waiters) if (seen.length >= w.count) w.resolve();
    },
    until(count: number, timeoutMs = 20_000) {
      if (seen.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} events arrived`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

const ids = (delivered: DeliveredEvent[]) => delivered.map((d) => d.event.id);
const uniqueRun = () => `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** The behaviour every Bus transport must have. Call inside a `describe`. */
export function busContract(factory: () => Promise<BusUnderTest>): void {
  let underTest: BusUnderTest;
  let bus: Bus;

  beforeAll(async () => {
    underTest = await factory();
    bus = await underTest.open();
  });
  afterAll(async () => {
    await bus?.close();
    await underTest?.cleanup();
  });

  it('answers ping', async () => {
    expect(await bus.ping()).toBe(true);
  });

  it('delivers published events in order, keyed by subject, with the envelope intact', async () => {
    const run = uniqueRun();
    const events = eventsFor(run, 5);
    await bus.publish(topic, events);
    const sink = collector(run);
    const sub = await bus.subscribe({ group: `g-${run}`, topics: [topic], handler: sink.handler });
    await sink.until(5);
    await sub.stop();
    expect(ids(sink.seen)).toEqual(events.map((e) => e.id));
    expect(sink.seen[0]).toMatchObject({ topic, key: `subject-${run}`, event: events[0] });
  });

  it('delivers a failed event again, in order, and moves on only after the handler succeeds', async () => {
    const run = uniqueRun();
    const sink = collector(run);
    let failuresLeft = 2;
    const sub = await bus.subscribe({
      group: `g-${run}`,
      topics: [topic],
      handler: async (delivered) => {
        if (delivered.event.id === `${run}-1` && failuresLeft > 0) {
          failuresLeft--;
          throw new Error('handler failed on purpose');
        }
        await sink.handler(delivered);
      },
    });
    await bus.publish(topic, eventsFor(run, 3));
    await sink.until(3);
    await sub.stop();
    expect(failuresLeft).toBe(0);
    expect(ids(sink.seen)).toEqual([`${run}-0`, `${run}-1`, `${run}-2`]);
  });

  it('keeps one position per group: a restarted consumer resumes, another group sees everything', async () => {
    const run = uniqueRun();
    await bus.publish(topic, eventsFor(run, 3));
    const first = collector(run);
    const sub = await bus.subscribe({ group: `g-${run}`, topics: [topic], handler: first.handler });
    await first.until(3);
    await sub.stop();

    const more = eventsFor(run, 5).slice(3);
    await bus.publish(topic, more);
    const resumed = collector(run);
    const again = await bus.subscribe({ group: `g-${run}`, topics: [topic], handler: resumed.handler });
    await resumed.until(2);
    const other = collector(run);
    const otherSub = await bus.subscribe({ group: `h-${run}`, topics: [topic], handler: other.handler });
    await other.until(5);
    await again.stop();
    await otherSub.stop();
    expect(ids(resumed.seen)).toEqual([`${run}-3`, `${run}-4`]);
    expect(ids(other.seen)).toEqual([0, 1, 2, 3, 4].map((i) => `${run}-${i}`));
  });

  it('a group that starts at the end sees only new events', async () => {
    const run = uniqueRun();
    await bus.publish(topic, eventsFor(run, 2));
    const sink = collector(run);
    const sub = await bus.subscribe({
      group: `g-${run}`,
      topics: [topic],
      handler: sink.handler,
      fromBeginning: false,
    });
    // Kafka joins the group asynchronously; give it a moment before publishing the new events.
    await new Promise((r) => setTimeout(r, 1500));
    const later = eventsFor(`${run}`, 4).slice(2);
    await bus.publish(topic, later);
    await sink.until(2);
    await sub.stop();
    expect(ids(sink.seen)).toEqual([`${run}-2`, `${run}-3`]);
  });

  it('works across processes: events published by one client reach a consumer on another', async () => {
    const run = uniqueRun();
    const second = await underTest.open();
    try {
      const sink = collector(run);
      const sub = await second.subscribe({ group: `g-${run}`, topics: [topic], handler: sink.handler });
      await bus.publish(topic, eventsFor(run, 3));
      await sink.until(3);
      await sub.stop();
      expect(ids(sink.seen)).toEqual([`${run}-0`, `${run}-1`, `${run}-2`]);
    } finally {
      await second.close();
    }
  });

  it('gives each event of a group to one of its consumers, not to each', async () => {
    const run = uniqueRun();
    const second = await underTest.open();
    try {
      const sink = collector(run);
      const subs = [
        await bus.subscribe({ group: `g-${run}`, topics: [topic], handler: sink.handler }),
        await second.subscribe({ group: `g-${run}`, topics: [topic], handler: sink.handler }),
      ];
      await new Promise((r) => setTimeout(r, 1500));
      await bus.publish(topic, eventsFor(run, 6));
      await sink.until(6);
      // Time for a duplicate to show up, if one were coming.
      await new Promise((r) => setTimeout(r, 500));
      await Promise.all(subs.map((s) => s.stop()));
      expect(ids(sink.seen)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${run}-${i}`));
    } finally {
      await second.close();
    }
  });

  it('refuses to publish an event that is not a valid envelope', async () => {
    const bad = { ...eventsFor(uniqueRun(), 1)[0]!, type: 'Not A Type' };
    await expect(bus.publish(topic, [bad])).rejects.toThrow(/envelope/);
  });
}
