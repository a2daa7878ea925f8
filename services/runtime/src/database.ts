import pg from 'pg';
import { EmbeddedPostgres } from './embedded-postgres.ts';

export interface Database {
  pool: pg.Pool;
  /** The URL the pool connects to: the configured server, or the embedded one. */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens a pool on `url` when given (a real PostgreSQL server), otherwise starts an embedded
 * PGlite server (keeping its data in `embeddedDataDir` when given) and opens the pool on that.
 */
export async function openDatabase(options: {
  url?: string | undefined;
  embeddedDataDir?: string;
  max?: number;
}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = options.url;
  if (!url) {
    embedded = await EmbeddedPostgres.start(options.embeddedDataDir ? { dataDir: options.embeddedDataDir } : {});
    url = embedded.url;
  }
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client losing its server (restart, network) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return {
    pool,
    url,
    embedded: embedded !== undefined,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}

/** Runs `work` in one transaction on one client: COMMIT on success, ROLLBACK on any error. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
