import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(env: Record<string, string>, onListening?: (url: string, stop: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      // Embedded PostgreSQL in the data directory: never the shared server's default database.
      DATABASE_URL: '',
      KAFKA_BROKERS: '',
      SPEAKNODE_OIDC_ISSUER: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(stdout);
    if (match && onListening) {
      onListening(match[1] as string, () => child.kill('SIGTERM'));
      onListening = undefined;
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('the webhooks process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'webhooks-main-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses bad configuration with exit code 78 and the variable named, never echoing a secret', async () => {
    const badAccounts = await run({
      SPEAKNODE_DATA_DIR: dataDir,
      VOXIMPLANT_ACCOUNTS: '[{"accountId":"4711","scenarioSecret":"short"}]',
    });
    expect(badAccounts.code).toBe(78);
    expect(badAccounts.stderr).toMatch(/VOXIMPLANT_ACCOUNTS: 0\.scenarioSecret/);
    const badToken = await run({ SPEAKNODE_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: 'tiny', SPOOL_MAX_BYTES: '12' });
    expect(badToken.code).toBe(78);
    expect(badToken.stderr).toMatch(/TWILIO_AUTH_TOKEN/);
    expect(badToken.stderr).toMatch(/SPOOL_MAX_BYTES/);
    expect(badToken.stderr).not.toContain('tiny');
  });

  it('starts on the embedded defaults, answers /healthz and /readyz, and stops cleanly on SIGTERM', async () => {
    let health: unknown;
    let ready: { spool?: unknown } = {};
    const result = await run({ SPEAKNODE_DATA_DIR: dataDir }, async (url, stop) => {
      health = await (await fetch(`${url}/healthz`)).json();
      ready = (await (await fetch(`${url}/readyz`)).json()) as typeof ready;
      stop();
    });
    expect(result.code).toBe(0);
    expect(health).toEqual({ status: 'ok' });
    expect(ready.spool).toMatchObject({ events: 0, accepting: true });
    expect(result.stderr).toMatch(/SIGTERM: finishing requests in flight/);
  }, 60_000);
});
