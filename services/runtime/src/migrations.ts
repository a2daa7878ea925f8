import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { inTransaction } from './database.ts';

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies the plain SQL files in `directory` (`0001_name.sql`, `0002_…`) that have not been applied,
 * in order, each in its own transaction, recording them in `schema_migrations` under `scope` so that
 * services sharing a database keep separate histories. A file that was applied and then edited is
 * an error: migrations are append-only.
 */
export async function runMigrations(pool: pg.Pool, directory: string, scope: string): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((f) => f.endsWith('.sql')).sort();
  for (const file of files) {
    if (!MIGRATION_FILE.test(file)) {
      throw new Error(`migration ${join(directory, file)}: name must look like 0001_create_things.sql`);
    }
  }
  // Two scopes migrating a fresh database at once would both create the table, and IF NOT EXISTS
  // does not stop the loser's duplicate-key error on pg_type; one lock for every scope serialises it.
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('migrations:schema_migrations'))");
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      scope text NOT NULL,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, name)
    )`);
  });
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    const sql = await readFile(join(directory, file), 'utf8');
    const checksum = await sha256(sql);
    await inTransaction(pool, async (client) => {
      // Serialises concurrent starts of the same service; released at COMMIT.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrations:${scope}`]);
      const existing = await client.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE scope = $1 AND name = $2',
        [scope, file],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== checksum) {
          throw new Error(`migration ${file} (${scope}) changed after it was applied; add a new migration instead`);
        }
        result.alreadyApplied.push(file);
        return;
      }
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (scope, name, checksum) VALUES ($1, $2, $3)', [
        scope,
        file,
        checksum,
      ]);
      result.applied.push(file);
    });
  }
  return result;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('hex');
}
