import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { standIn } from '../testing/stand-in-stack.ts';
import { HealthWaiter, lastProbe } from './health-waiter.ts';
import { OperationAborted } from './operation-queue.ts';

type Info = Docker.ContainerInspectInfo;
const STARTED = '2026-01-01T00:00:10Z';

function info(
  state: Partial<Info['State']>,
  restarts = 0,
  probes: { start: string; code: number; output?: string }[] = [],
): Info {
  return {
    Id: 'c1',
    RestartCount: restarts,
    State: {
      Status: 'running',
      Running: true,
      Restarting: false,
      ExitCode: 0,
      StartedAt: STARTED,
      ...(probes.length > 0
        ? {
            Health: {
              Status: probes.at(-1)!.code === 0 ? 'healthy' : 'unhealthy',
              FailingStreak: 0,
              Log: probes.map((p) => ({ Start: p.start, End: p.start, ExitCode: p.code, Output: p.output ?? '' })),
            },
          }
        : {}),
      ...state,
    },
  } as unknown as Info;
}

/** A waiter reading the given states one after the other (the last repeats), on a clock that moves 1 s a nap. */
function waiter(states: (Info | undefined)[], logs = '') {
  let clock = 0;
  let i = 0;
  const seen: string[] = [];
  const w = new HealthWaiter({
    inspect: async () => states[Math.min(i++, states.length - 1)],
    tail: async () => logs,
    nap: async () => {
      clock += 1000;
    },
    onHealthWait: (s) => seen.push(s),
    now: () => clock,
    restartGraceMs: 3000,
  });
  return { w, seen, reads: () => i };
}

const daemon = standIn('api', { healthcheck: { test: ['CMD', 'true'] } });

describe('HealthWaiter', () => {
  it('counts only a probe of the current run as healthy', async () => {
    const stale = info({
      Health: {
        Status: 'healthy',
        FailingStreak: 0,
        Log: [{ Start: '2026-01-01T00:00:01Z', End: '', ExitCode: 0, Output: '' }],
      },
    } as never);
    const fresh = info({}, 0, [{ start: '2026-01-01T00:00:11Z', code: 0 }]);
    const { w, seen, reads } = waiter([stale, stale, fresh]);
    expect(await w.waitReady(daemon, 60_000)).toBe('healthy');
    expect(reads()).toBe(3);
    expect(seen).toEqual(['api']);
  });

  it('a daemon without healthcheck is ready once running; a job once it exited 0', async () => {
    expect(await waiter([info({})]).w.waitReady(standIn('plain'), 1000)).toBe('running');
    const job = standIn('migrate', { kind: 'oneshot' });
    expect(
      await waiter([info({}), info({ Status: 'exited', Running: false, ExitCode: 0 })]).w.waitReady(job, 60_000),
    ).toBe('completed');
    await expect(
      waiter([info({ Status: 'exited', Running: false, ExitCode: 2 })], 'relation "x" does not exist').w.waitReady(
        job,
        60_000,
      ),
    ).rejects.toThrow(/migrate exited with code 2; last output:\nrelation "x" does not exist/);
  });

  it('reports a crash loop at once with exit code, restart count and the last log lines', async () => {
    const { w } = waiter(
      [info({}, 5), info({ Status: 'restarting', Restarting: true, ExitCode: 3 }, 6), info({ ExitCode: 3 }, 7)],
      'cannot reach the database',
    );
    await expect(w.waitReady(daemon, 180_000)).rejects.toThrow(
      /api is in a crash loop: it exited with code 3 and was restarted 7 times; last output:\ncannot reach the database/,
    );
  });

  it('gives a restart policy a moment, then calls a stopped daemon failed', async () => {
    const stopped = info({ Status: 'exited', Running: false, ExitCode: 137 });
    const { w, reads } = waiter([stopped], 'killed');
    await expect(w.waitReady(daemon, 60_000)).rejects.toThrow(
      /api stopped with exit code 137 while starting; last output:\nkilled/,
    );
    expect(reads()).toBe(4);
    const never = waiter([stopped]);
    await expect(never.w.waitReady(standIn('x', { restart: 'no' }), 60_000)).rejects.toThrow(
      /stopped with exit code 137/,
    );
    expect(never.reads()).toBe(1);
  });

  it('fails on a failing probe of this run with its output, and at the timeout with the last probe', async () => {
    const failing = info({}, 0, [{ start: '2026-01-01T00:00:12Z', code: 1, output: 'db refused' }]);
    await expect(waiter([failing]).w.waitReady(daemon, 60_000)).rejects.toThrow(
      'api is unhealthy: exit code 1, output: db refused',
    );
    const starting = info({ Health: { Status: 'starting', FailingStreak: 0, Log: [] } } as never);
    await expect(waiter([starting]).w.waitReady(daemon, 3000)).rejects.toThrow(
      /api did not become healthy within 3 s \(state running, health starting\); last health check: no health check has run yet/,
    );
  });

  it('says when the container disappears, and stops at once when the operation is cancelled', async () => {
    await expect(waiter([undefined]).w.waitReady(daemon, 1000)).rejects.toThrow(/its container disappeared/);
    const controller = new AbortController();
    const starting = info({ Health: { Status: 'starting', FailingStreak: 0, Log: [] } } as never);
    const real = new HealthWaiter({ inspect: async () => starting, tail: async () => '', pollIntervalMs: 60_000 });
    const waiting = real.waitReady(daemon, 600_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    const t0 = Date.now();
    await expect(waiting).rejects.toBeInstanceOf(OperationAborted);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('lastProbe: exit code and the end of the output', () => {
    expect(lastProbe(info({}))).toBe('no health check has run yet');
    expect(lastProbe(info({}, 0, [{ start: STARTED, code: 1 }]))).toBe('exit code 1, no output');
    expect(lastProbe(info({}, 0, [{ start: STARTED, code: 1, output: `${'x'.repeat(400)}END\n` }]))).toMatch(
      /^exit code 1, output: x+END$/,
    );
  });
});
