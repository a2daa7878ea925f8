import pg from 'pg';
import { EmbeddedPostgres } from '../embedded-postgres.ts';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  /** True when this runs against embedded PGlite rather than the server in DATABASE_URL. */
  embedded: boolean;
  drop(): Promise<void>;
}

/**
 * A throwaway database for one test file: a fresh database on the server in `DATABASE_URL` when
 * set (dropped afterwards), otherwise a fresh in-memory embedded PostgreSQL.
 */
export async function createTestDatabase(
  serverUrl: string | undefined = process.env.DATABASE_URL,
): Promise<TestDatabase> {
  if (!serverUrl) {
    const embedded = await EmbeddedPostgres.start();
    const pool = new pg.Pool({ connectionString: embedded.url, max: 4 });
    pool.on('error', () => {});
    return {
      url: embedded.url,
      pool,
      embedded: true,
      async drop() {
        await pool.end();
        await embedded.stop();
      },
    };
  }
  const name = `speaknode_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => {});
  return {
    url: url.toString(),
    pool,
    embedded: false,
    async drop() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
