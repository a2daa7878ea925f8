import { createServer } from 'node:net';
import { createTestDatabase } from '@speaknode/runtime/testing';
import { describe, expect, it } from 'vitest';
import { busContract } from './bus-contract.ts';
import { KafkaBus } from './kafka-bus.ts';
import { openBus } from './open-bus.ts';
import { PostgresBus } from './postgres-bus.ts';

const quiet = () => {};

describe('PostgresBus on embedded PostgreSQL (PGlite)', () => {
  busContract(async () => {
    const database = await createTestDatabase('');
    return {
      open: () => PostgresBus.open(database.pool, { pollMs: 50, retryDelayMs: 20, log: quiet }),
      cleanup: () => database.drop(),
    };
  });
});

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describe('PostgresBus on the PostgreSQL server in DATABASE_URL', () => {
    busContract(async () => {
      const database = await createTestDatabase(databaseUrl);
      return {
        open: () => PostgresBus.open(database.pool, { pollMs: 50, retryDelayMs: 20, log: quiet }),
        cleanup: () => database.drop(),
      };
    });
  });
} else {
  console.info('PostgresBus on a real server: skipped because DATABASE_URL is not set');
  describe.skip('PostgresBus on the PostgreSQL server in DATABASE_URL (DATABASE_URL not set)', () => {});
}

const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
if (brokers && brokers.length > 0) {
  describe('KafkaBus on the brokers in KAFKA_BROKERS', () => {
    busContract(async () => ({
      open: () => KafkaBus.connect({ brokers, clientId: 'speaknode-bus-contract', log: quiet }),
      cleanup: async () => {},
    }));
  });
} else {
  console.info('KafkaBus contract tests: skipped because KAFKA_BROKERS is not set (no Kafka broker on this machine)');
  describe.skip('KafkaBus on the brokers in KAFKA_BROKERS (KAFKA_BROKERS not set)', () => {});
}

describe('openBus', () => {
  it('picks the PostgreSQL-backed bus without brokers', async () => {
    const database = await createTestDatabase('');
    try {
      const bus = await openBus({ kafkaBrokers: [], pool: database.pool });
      expect(bus).toBeInstanceOf(PostgresBus);
      expect(await bus.ping()).toBe(true);
      await bus.close();
    } finally {
      await database.drop();
    }
  });

  it('fails clearly when the Kafka brokers cannot be reached (real kafkajs client)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    await expect(KafkaBus.connect({ brokers: [`127.0.0.1:${port}`], retries: 1, log: quiet })).rejects.toThrow(
      /ECONNREFUSED|Connection error|connect/i,
    );
  });
});
