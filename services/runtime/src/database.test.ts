import { describe, expect, it } from 'vitest';
import { inTransaction, openDatabase } from './database.ts';

describe('openDatabase (embedded)', () => {
  it('runs concurrent transactions and queries without mixing their messages', async () => {
    const database = await openDatabase({});
    try {
      await database.pool.query('CREATE TABLE t (id int, v text)');
      const tx = (i: number) =>
        inTransaction(database.pool, async (client) => {
          await client.query('INSERT INTO t VALUES ($1, $2)', [i, 'x']);
          await client.query('SELECT * FROM t WHERE id = $1 AND v = $2 AND $3::int > 0', [i, 'x', 1]);
        });
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          i % 2 ? tx(i) : database.pool.query('SELECT $1::int + $2::int AS x', [i, 1]),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM t');
      expect(rows[0].n).toBe(50);
    } finally {
      await database.close();
    }
  });
});
