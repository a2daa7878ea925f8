import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase } from '@speaknode/runtime/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

async function migrate(env: Record<string, string>) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, 'migrate'], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout;
}

describe('the migrate command', () => {
  it('applies the migrations once, then finds them applied', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'speaknode-migrate-'));
    const database = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
    const env = { SPEAKNODE_DATA_DIR: dataDir, DATABASE_URL: database?.url ?? '' };
    try {
      expect(await migrate(env)).toMatch(/applied [1-9]\d* migration\(s\): 0001_core\.sql/);
      expect(await migrate(env)).toMatch(/applied 0 migration\(s\); [1-9]\d* already applied/);
    } finally {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown command with a usage message', async () => {
    await expect(run(process.execPath, ['--import', 'tsx', MAIN, 'frobnicate'])).rejects.toMatchObject({
      code: 64,
      stderr: expect.stringContaining('unknown command'),
    });
  });
});
