import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from './embedded-postgres.ts';

let server: EmbeddedPostgres;

beforeAll(async () => {
  server = await EmbeddedPostgres.start();
});
afterAll(async () => server?.stop());

describe('EmbeddedPostgres shared by several pools (as npm start shares it between services)', () => {
  it('keeps concurrent extended-protocol queries and transactions of separate pools apart', async () => {
    const a = new pg.Pool({ connectionString: server.url, max: 5 });
    const b = new pg.Pool({ connectionString: server.url, max: 5 });
    try {
      await a.query('CREATE TABLE shared (id int PRIMARY KEY, who text NOT NULL)');
      const work = (pool: pg.Pool, who: string, i: number) =>
        i % 3 === 0
          ? pool.query('SELECT $1::int * $2::int AS product, $3::text AS who', [i, 2, who]).then((r) => {
              expect(r.rows[0]).toEqual({ product: i * 2, who });
            })
          : (async () => {
              const client = await pool.connect();
              try {
                await client.query('BEGIN');
                await client.query('INSERT INTO shared (id, who) VALUES ($1, $2)', [i, who]);
                const row = await client.query('SELECT who FROM shared WHERE id = $1 AND $2::int = $2::int', [i, 7]);
                expect(row.rows[0].who).toBe(who);
                await client.query('COMMIT');
              } finally {
                client.release();
              }
            })();
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => work(i % 2 ? a : b, i % 2 ? 'a' : 'b', i)),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const { rows } = await a.query('SELECT count(*)::int AS n FROM shared');
      expect(rows[0].n).toBe(40);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('rolls back the transaction of a connection that goes away, and lets the others on', async () => {
    const quitter = new pg.Client({ connectionString: server.url });
    quitter.on('error', () => {});
    const other = new pg.Client({ connectionString: server.url });
    await Promise.all([quitter.connect(), other.connect()]);
    await quitter.query('CREATE TABLE left_behind (id int)');
    await quitter.query('BEGIN');
    await quitter.query('INSERT INTO left_behind VALUES (1)');
    try {
      // Waits while the transaction is open, then runs once the quitter's socket is gone.
      const count = other.query('SELECT count(*)::int AS n FROM left_behind');
      (quitter as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      expect((await count).rows[0].n).toBe(0);
    } finally {
      await other.end();
    }
  });

  it('keeps named prepared statements per connection, as a real server does, and frees them when it goes', async () => {
    const a = new pg.Client({ connectionString: server.url });
    const b = new pg.Client({ connectionString: server.url });
    await Promise.all([a.connect(), b.connect()]);
    const byName = (client: pg.Client, n: number) =>
      client.query({ name: 'double', text: 'SELECT $1::int * 2 AS doubled', values: [n] });
    const results = await Promise.all([byName(a, 1), byName(b, 2), byName(a, 3), byName(b, 4)]);
    expect(results.map((r) => r.rows[0].doubled)).toEqual([2, 4, 6, 8]);
    await a.end();
    // The server frees a's statement when it sees the socket close, which may come a moment later.
    let left = 2;
    for (let i = 0; i < 40 && left !== 1; i++) {
      left = (await b.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n;
      if (left !== 1) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(1);
    await b.end();
  });

  it('answers an SSL request with "no SSL" so clients that ask fall back or fail clearly', async () => {
    const client = new pg.Client({ connectionString: server.url.replace('sslmode=disable', 'sslmode=require') });
    await expect(client.connect()).rejects.toThrow(/does not support SSL/);
  });
});

describe('EmbeddedPostgres on disk', () => {
  it('creates a missing data directory and keeps the data across restarts', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'embedded-pg-')), 'state', 'pgdata');
    const first = await EmbeddedPostgres.start({ dataDir });
    const a = new pg.Client({ connectionString: first.url });
    await a.connect();
    await a.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    await a.end();
    await first.stop();
    const second = await EmbeddedPostgres.start({ dataDir });
    const b = new pg.Client({ connectionString: second.url });
    await b.connect();
    try {
      expect((await b.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
    } finally {
      await b.end();
      await second.stop();
    }
  });

  it('keeps its files to its owner: files 0600, folders 0700, as PostgreSQL keeps a data directory', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'embedded-pg-')), 'pgdata');
    const db = await EmbeddedPostgres.start({ dataDir });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE made_while_running (v text)');
    await client.end();
    const modesWhileRunning = modesUnder(dataDir);
    await db.stop();
    const modes = modesUnder(dataDir);
    expect(modes.files.size).toBeGreaterThan(100);
    expect([...new Set(modes.files.values())]).toEqual(['600']);
    expect([...new Set(modes.folders.values())]).toEqual(['700']);
    // While it runs, files PGlite creates may be looser, but nobody else can reach into the folder.
    expect(modesWhileRunning.folders.get(dataDir)).toBe('700');
  });
});

function modesUnder(dir: string, out = { files: new Map<string, string>(), folders: new Map<string, string>() }) {
  out.folders.set(dir, (statSync(dir).mode & 0o777).toString(8));
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) modesUnder(path, out);
    else out.files.set(path, (statSync(path).mode & 0o777).toString(8));
  }
  return out;
}
