import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from './database.ts';
import { runMigrations } from './migrations.ts';
import { createTestDatabase, type TestDatabase } from './testing/test-database.ts';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await writeFile(
    join(dir, '0001_create_notes.sql'),
    'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);',
  );
  await writeFile(
    join(dir, '0002_add_author.sql'),
    "ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'nobody';",
  );
});
afterAll(async () => db?.drop());

describe(`runMigrations (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('applies files in order once', async () => {
    expect(await runMigrations(db.pool, dir, 'test')).toEqual({
      applied: ['0001_create_notes.sql', '0002_add_author.sql'],
      alreadyApplied: [],
    });
    expect(await runMigrations(db.pool, dir, 'test')).toEqual({
      applied: [],
      alreadyApplied: ['0001_create_notes.sql', '0002_add_author.sql'],
    });
    const row = await db.pool.query("INSERT INTO notes (body) VALUES ('hi') RETURNING author");
    expect(row.rows[0].author).toBe('nobody');
  });

  it('refuses a migration edited after it was applied', async () => {
    await writeFile(join(dir, '0002_add_author.sql'), 'ALTER TABLE notes ADD COLUMN author2 text;');
    await expect(runMigrations(db.pool, dir, 'test')).rejects.toThrow(
      /0002_add_author.sql \(test\) changed after it was applied/,
    );
  });

  it('rolls back a failing migration entirely and does not record it', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'migrations-bad-'));
    await writeFile(join(bad, '0001_half.sql'), 'CREATE TABLE half (id int); SELECT * FROM no_such_table;');
    await expect(runMigrations(db.pool, bad, 'bad')).rejects.toThrow(/no_such_table/);
    const table = await db.pool.query("SELECT to_regclass('half') AS t");
    expect(table.rows[0].t).toBeNull();
    const recorded = await db.pool.query("SELECT count(*)::int AS n FROM schema_migrations WHERE scope = 'bad'");
    expect(recorded.rows[0].n).toBe(0);
  });

  it('rejects a file whose name does not carry its order', async () => {
    const odd = await mkdtemp(join(tmpdir(), 'migrations-odd-'));
    await writeFile(join(odd, 'create.sql'), 'SELECT 1;');
    await expect(runMigrations(db.pool, odd, 'odd')).rejects.toThrow(/name must look like 0001_create_things.sql/);
  });
});

describe('inTransaction', () => {
  it('commits on success and rolls back on error', async () => {
    await inTransaction(db.pool, (c) => c.query("INSERT INTO notes (body) VALUES ('kept')"));
    await expect(
      inTransaction(db.pool, async (c) => {
        await c.query("INSERT INTO notes (body) VALUES ('lost')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await db.pool.query('SELECT body FROM notes ORDER BY id');
    expect(rows.rows.map((r) => r.body)).toEqual(['hi', 'kept']);
  });
});

describe('runMigrations on a fresh database, several scopes at once', () => {
  it('creates its bookkeeping table once, without a duplicate-key race', async () => {
    // Each round is a database nobody has migrated: the race is in creating schema_migrations.
    for (let round = 0; round < 3; round++) {
      const fresh = await createTestDatabase();
      try {
        const scopes = ['bus', 'webhooks', 'control', 'a', 'b', 'c'];
        const dirs = await Promise.all(
          scopes.map(async (scope) => {
            const d = await mkdtemp(join(tmpdir(), `migrations-${scope}-`));
            await writeFile(join(d, '0001_create.sql'), `CREATE TABLE things_${scope} (id int);`);
            return d;
          }),
        );
        const results = await Promise.allSettled(
          scopes.map((scope, i) => runMigrations(fresh.pool, dirs[i] as string, scope)),
        );
        expect(
          results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
        ).toEqual([]);
      } finally {
        await fresh.drop();
      }
    }
  });
});
