import { ResourceChanged, Topics } from '@speaknode/contracts';
import { type DeliveredEvent, PostgresBus } from '@speaknode/runtime/bus';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../context.ts';
import { migrateControl } from '../start.ts';
import { writeOutboxEvent } from './outbox.ts';
import { OutboxRelay } from './relay.ts';

describe('OutboxRelay', () => {
  let database: TestDatabase;
  let bus: PostgresBus;
  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateControl(database.pool);
    bus = await PostgresBus.open(database.pool, { pollMs: 50 });
  });
  afterAll(async () => {
    await bus?.close();
    await database?.drop();
  });

  const write = (n: number, subject: string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        writeOutboxEvent(database.pool, ResourceChanged, {
          subject,
          id: `${subject}-${i}`,
          data: { resource: 'agent', resourceId: `${subject}-${i}`, action: 'created' },
        }),
      ),
    );

  it('lets one relay at a time publish, in id order, and hands over when it stops', async () => {
    const a = new OutboxRelay(database.pool, bus, silentLogger, { holder: 'a', batchSize: 2 });
    const b = new OutboxRelay(database.pool, bus, silentLogger, { holder: 'b', batchSize: 2 });
    for (let i = 0; i < 3; i++) {
      await writeOutboxEvent(database.pool, ResourceChanged, {
        subject: 'ordered',
        id: `ordered-${i}`,
        data: { resource: 'tool', resourceId: `t${i}`, action: 'created' },
      });
    }
    expect(await a.runOnce()).toBe(2);
    expect(await b.runOnce()).toBe(0);
    expect(await a.runOnce()).toBe(1);
    await a.stop();
    await write(1, 'after-stop');
    expect(await b.runOnce()).toBe(1);
    await b.stop();

    const seen: DeliveredEvent[] = [];
    const sub = await bus.subscribe({
      group: 'relay-test',
      topics: [Topics.controlEvents],
      handler: async (d) => {
        seen.push(d);
      },
    });
    for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    await sub.stop();
    expect(seen.map((d) => d.event.id)).toEqual(['ordered-0', 'ordered-1', 'ordered-2', 'after-stop-0']);
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    expect(rows[0].n).toBe(0);
  });
});
