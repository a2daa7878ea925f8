import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/** Another live receiver holds the spool folder: two would lose acknowledged events and publish others twice. */
export class SpoolLockedError extends Error {
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the spool folder ${directory} is in use by another receiver (PID ${holder.pid} on host ${holder.host}, since ${holder.since}); ` +
        'run one receiver per SPEAKNODE_DATA_DIR: stop that one, or give this one its own SPEAKNODE_DATA_DIR',
    );
    this.name = 'SpoolLockedError';
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export interface SpoolLockOptions {
  /** How often the holder refreshes the lock's mtime (default 5 s). */
  heartbeatMs?: number;
  /** A lock from another host whose heartbeat is older than this is taken over (default 20 s). */
  staleMs?: number;
  log?: (message: string) => void;
}

const LOCK_FILE = 'receiver.lock';
/** Folders this process holds: a second spool on one of them in the same process is refused too. */
const heldHere = new Set<string>();
const TAKEOVER_DIR = 'receiver.lock.takeover';

/**
 * An exclusive hold on a spool folder. The lock file (created with O_EXCL) names the holder's PID
 * and host. A holder on this host is alive while `kill(pid, 0)` finds it; a holder on another host
 * (a container sharing the volume) is alive while it keeps refreshing the file's mtime. A dead
 * holder's lock is taken over; taking over happens inside a mkdir-guarded section, so two
 * starters never both take it.
 */
export class SpoolLock {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly path: string,
    private readonly heartbeatMs: number,
  ) {}

  static async acquire(directory: string, options: SpoolLockOptions = {}): Promise<SpoolLock> {
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    const staleMs = options.staleMs ?? 20_000;
    const log = options.log ?? (() => {});
    await mkdir(directory, { recursive: true });
    const path = join(directory, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    const key = resolve(path);
    if (heldHere.has(key)) throw new SpoolLockedError(directory, (await readHolder(path)) ?? me);
    heldHere.add(key);
    try {
      await SpoolLock.take(directory, path, me, staleMs, log);
    } catch (error) {
      heldHere.delete(key);
      throw error;
    }
    const lock = new SpoolLock(path, heartbeatMs);
    lock.timer = setInterval(() => {
      const now = new Date();
      void utimes(path, now, now).catch(() => {});
    }, heartbeatMs);
    lock.timer.unref();
    return lock;
  }

  private static async take(
    directory: string,
    path: string,
    me: LockHolder,
    staleMs: number,
    log: (message: string) => void,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (await createExclusively(path, me)) return;
      const holder = await readHolder(path);
      if (!holder) continue; // removed between our create and read: try again
      const dead = await isDead(path, holder, staleMs);
      if (!dead) throw new SpoolLockedError(directory, holder);
      if (attempt > 5) throw new SpoolLockedError(directory, holder);
      if (await takeOver(directory, path, holder, me)) {
        log(`spool: took over the lock of ${directory} from PID ${holder.pid} on ${holder.host} (no longer running)`);
        return;
      }
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    const holder = await readHolder(this.path);
    if (holder?.pid === process.pid && holder.host === hostname()) await rm(this.path, { force: true });
    heldHere.delete(resolve(this.path));
  }
}

async function createExclusively(path: string, holder: LockHolder): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(holder));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? 'unknown') };
    }
  } catch {
    // A holder killed while writing its lock: treated as a dead holder below.
  }
  return { pid: 0, host: hostname(), since: 'unknown' };
}

async function isDead(path: string, holder: LockHolder, staleMs: number): Promise<boolean> {
  if (holder.host === hostname()) {
    // Our own PID in the file is a previous life of this process's PID (a container restarted as PID 1).
    if (holder.pid <= 0 || holder.pid === process.pid) return true;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  // Another host: alive while its heartbeat is fresh. Wait one staleness period for a recent one to lapse.
  const deadline = Date.now() + staleMs;
  while (true) {
    const age = Date.now() - (await stat(path)).mtimeMs;
    if (age > staleMs) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, staleMs / 4)));
  }
}

/** Replaces a dead holder's lock with ours, unless another starter is doing the same. */
async function takeOver(directory: string, path: string, dead: LockHolder, me: LockHolder): Promise<boolean> {
  const guard = join(directory, TAKEOVER_DIR);
  try {
    await mkdir(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A starter killed inside its takeover leaves the guard behind; a minute later it is cleared.
    const age = Date.now() - (await stat(guard)).mtimeMs;
    if (age > 60_000) await rm(guard, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    return false;
  }
  try {
    const current = await readHolder(path);
    if (current && (current.pid !== dead.pid || current.host !== dead.host || current.since !== dead.since)) {
      return false; // someone else took it over first
    }
    await rm(path, { force: true });
    return await createExclusively(path, me);
  } finally {
    await rm(guard, { recursive: true, force: true });
  }
}
