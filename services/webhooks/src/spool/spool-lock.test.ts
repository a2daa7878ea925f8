import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@speaknode/contracts';
import { type Bus, openBus } from '@speaknode/runtime/bus';
import { createTestDatabase, type TestDatabase } from '@speaknode/runtime/testing';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRefusedReceiver, startReceiverProcess } from '../testing/receiver-process.ts';
import { Spool } from './spool.ts';
import { SpoolLockedError } from './spool-lock.ts';

const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'lock-test-auth-token-0123456789';
const RUN = Date.now().toString(36);

describe('one receiver per spool folder', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'webhooks-lock-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a second spool on the folder, naming it and the holder, and frees it on close', async () => {
    const folder = join(directory, 'in-process');
    const first = await Spool.open({ directory: folder, maxBytes: 65_536, log: () => {} });
    const second = Spool.open({ directory: folder, maxBytes: 65_536, log: () => {} });
    await expect(second).rejects.toBeInstanceOf(SpoolLockedError);
    await expect(second).rejects.toThrow(new RegExp(`${folder}.*PID ${process.pid}`));
    await first.close();
    const again = await Spool.open({ directory: folder, maxBytes: 65_536, log: () => {} });
    await again.close();
  });

  it('takes over the lock of a holder that is no longer running', async () => {
    const folder = join(directory, 'dead-holder');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    expect(deadPid).toBeGreaterThan(0);
    const first = await Spool.open({ directory: folder, maxBytes: 65_536, log: () => {} });
    await first.append(Topics.webhooksTwilio, {
      id: 'twilio:CA1:status:completed',
      type: 'twilio.call.status',
      time: new Date().toISOString(),
      source: 'webhooks',
      data: {},
      schemaVersion: 1,
    });
    await first.close();
    const { hostname } = await import('node:os');
    await writeFile(join(folder, 'receiver.lock'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'x' }));
    const logs: string[] = [];
    const taken = await Spool.open({ directory: folder, maxBytes: 65_536, log: (m) => logs.push(m) });
    expect(taken.peek(10).map((r) => r.event.id)).toEqual(['twilio:CA1:status:completed']);
    expect(logs.join('\n')).toMatch(new RegExp(`took over the lock .* from PID ${deadPid}`));
    expect(JSON.parse(await readFile(join(folder, 'receiver.lock'), 'utf8')).pid).toBe(process.pid);
    await taken.close();
  });

  it('refuses a lock from another host while its heartbeat is fresh, and takes it once it lapses', async () => {
    const folder = join(directory, 'other-host');
    const first = await Spool.open({ directory: folder, maxBytes: 65_536, log: () => {} });
    await first.close();
    const lockFile = join(folder, 'receiver.lock');
    await writeFile(lockFile, JSON.stringify({ pid: 1, host: 'another-container', since: 'x' }));
    const heartbeat = setInterval(() => {
      const now = new Date();
      void utimes(lockFile, now, now).catch(() => {});
    }, 50);
    try {
      await expect(
        Spool.open({ directory: folder, maxBytes: 65_536, log: () => {}, lock: { staleMs: 400 } }),
      ).rejects.toThrow(/PID 1 on host another-container/);
    } finally {
      clearInterval(heartbeat);
    }
    const taken = await Spool.open({ directory: folder, maxBytes: 65_536, log: () => {}, lock: { staleMs: 400 } });
    await taken.close();
  });
});

describe('a second receiver process on one data directory', () => {
  let database: TestDatabase;
  let bus: Bus;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    bus = await openBus({ pool: database.pool });
    dataDir = await mkdtemp(join(tmpdir(), 'webhooks-lock-process-'));
  });
  afterAll(async () => {
    await bus.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fails clearly while the first runs; after SIGKILL of the first a new one starts and loses nothing', async () => {
    const options = { databaseUrl: database.url, dataDir, publicBaseUrl: PUBLIC, twilioAuthToken: TOKEN };
    const first = await startReceiverProcess(options);
    const acknowledged: string[] = [];
    try {
      const refused = await runRefusedReceiver(options);
      expect(refused.stdout).not.toMatch(/listening on/);
      expect(refused.code).toBe(73);
      expect(refused.stderr).toContain(join(dataDir, 'spool'));
      expect(refused.stderr).toContain(`PID ${first.child.pid}`);

      for (let n = 0; n < 20; n++) {
        const params = { CallSid: `CAlock${RUN}x${n}`, AccountSid: 'AClock', CallStatus: 'completed' };
        const res = await fetch(`${first.url}/twilio/status`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/twilio/status`, params),
          },
          body: new URLSearchParams(params).toString(),
        });
        if (res.status === 200) acknowledged.push(`twilio:CAlock${RUN}x${n}:status:completed`);
      }
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    expect(acknowledged).toHaveLength(20);

    const next = await startReceiverProcess(options);
    const seen = new Set<string>();
    const subscription = await bus.subscribe({
      group: `lock-test-${RUN}`,
      topics: [Topics.webhooksTwilio],
      fromBeginning: true,
      handler: async ({ event }) => {
        seen.add(event.id);
      },
    });
    try {
      await expect.poll(() => acknowledged.filter((id) => !seen.has(id)), { timeout: 20_000 }).toEqual([]);
    } finally {
      await subscription.stop();
      next.child.kill('SIGTERM');
      await next.exited;
    }
  }, 90_000);
});
