import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EventEnvelope, Topic } from '@speaknode/contracts';
import { type DeadLetter, DeadLetters } from './dead-letters.ts';
import { SpoolLock, type SpoolLockOptions } from './spool-lock.ts';

/** One accepted event as it sits in the spool, waiting for the relay. */
export interface SpoolRecord {
  topic: Topic;
  event: EventEnvelope;
  /** Where the record ends on disk: the relay's cursor moves here once the bus has it. */
  segment: number;
  end: number;
  bytes: number;
}

export class SpoolFullError extends Error {
  /** When a sender may try again, as the intake estimates it from the relay's state. */
  retryAfterSeconds: number | undefined;

  constructor(
    readonly maxBytes: number,
    readonly depthBytes: number,
    readonly deadLetterBytes = 0,
  ) {
    super(
      deadLetterBytes * 2 > depthBytes
        ? `the spool holds ${depthBytes} bytes of its ${maxBytes} byte limit, ${deadLetterBytes} of them dead letters: an operator must replay or discard them (/admin/v1/dead-letters)`
        : `the spool holds ${depthBytes} bytes of its ${maxBytes} byte limit; the bus relay is behind`,
    );
    this.name = 'SpoolFullError';
  }
}

export class SpoolClosedError extends Error {
  constructor() {
    super('the spool is closed');
    this.name = 'SpoolClosedError';
  }
}

export interface SpoolOptions {
  directory: string;
  /** Accepted but not yet relayed bytes, dead letters included; beyond this `append` refuses with SpoolFullError. */
  maxBytes: number;
  /** A new segment file starts once the active one is this big; relayed segments are deleted. */
  segmentBytes?: number;
  /** The exclusive hold on the folder (heartbeat and staleness for a holder on another host). */
  lock?: SpoolLockOptions;
  log?: (message: string) => void;
}

const HEADER_BYTES = 8;
const SEGMENT = /^(\d{12})\.spool$/;
const CURSOR_FILE = 'cursor.json';
const segmentName = (n: number) => `${String(n).padStart(12, '0')}.spool`;

interface PendingAppend {
  topic: Topic;
  event: EventEnvelope;
  frame: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A durable, append-only file log of accepted events on local disk.
 *
 * `append` resolves only after the record is written and fdatasync'ed; appends that arrive while a
 * flush is under way queue up and share the next fsync (group commit). Each record is framed as
 * `[u32 length][u32 crc32][JSON]`, so a record torn by a crash is detected and cut off at the next
 * start: it was never acknowledged. The relay reads committed records in order (`peek`) and moves a
 * cursor past them once the bus has them (`acknowledge`); after a crash the relay resumes at the
 * cursor, so an event is republished at most from the last cursor write on — the same event id,
 * absorbed downstream — and an acknowledged event is never lost.
 */
export class Spool {
  private readonly queue: SpoolRecord[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private waiters: Array<() => void> = [];
  private cursorSave: Promise<void> | undefined;
  private cursorDirty = false;
  private persistedSegment: number;
  private committedEvents = 0;
  private fsyncs = 0;

  private constructor(
    private readonly options: Required<Omit<SpoolOptions, 'log' | 'lock'>> & { log: (message: string) => void },
    private active: { segment: number; handle: FileHandle; size: number },
    private cursor: { segment: number; offset: number },
    /** Events the bus refused as invalid, set aside so that the relay goes on. */
    readonly deadLetters: DeadLetters,
    private readonly lock: SpoolLock,
  ) {
    this.persistedSegment = cursor.segment;
  }

  static async open(options: SpoolOptions): Promise<Spool> {
    const resolved = {
      segmentBytes: 16 * 1_048_576,
      log: (message: string) => console.warn(message),
      ...options,
    };
    // Before reading anything: a second receiver on this folder would lose acknowledged events.
    const lock = await SpoolLock.acquire(options.directory, { log: resolved.log, ...options.lock });
    try {
      return await Spool.openLocked(resolved, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async openLocked(
    resolved: Required<Omit<SpoolOptions, 'log' | 'lock'>> & { log: (message: string) => void },
    lock: SpoolLock,
  ): Promise<Spool> {
    const options = resolved;
    await mkdir(options.directory, { recursive: true });
    const cursor = await readCursor(options.directory);
    const segments = (await readdir(options.directory))
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);

    const records: SpoolRecord[] = [];
    for (const segment of segments) {
      const path = join(options.directory, segmentName(segment));
      if (segment < cursor.segment) {
        await rm(path, { force: true });
        continue;
      }
      const isLast = segment === segments[segments.length - 1];
      const { records: found, validBytes, totalBytes } = parseSegment(await readFile(path), segment);
      if (validBytes < totalBytes) {
        // Only the tail of the last segment can be torn by a crash; it was never acknowledged.
        resolved.log(
          `spool: ${segmentName(segment)} has ${totalBytes - validBytes} bytes of an incomplete record at offset ${validBytes}; cutting them off`,
        );
        if (isLast) {
          const handle = await open(path, 'r+');
          await handle.truncate(validBytes);
          await handle.sync();
          await handle.close();
        }
      }
      for (const record of found) {
        if (segment === cursor.segment && record.end <= cursor.offset) continue;
        records.push(record);
      }
    }

    const lastSegment = segments.filter((s) => s >= cursor.segment).pop();
    // With no segment left (all relayed), a cursor inside segment N means new records start in N + 1.
    const activeSegment = lastSegment ?? (cursor.offset > 0 ? cursor.segment + 1 : cursor.segment);
    const activePath = join(options.directory, segmentName(activeSegment));
    const handle = await open(activePath, 'a');
    const size = (await handle.stat()).size;
    if (lastSegment === undefined) await syncDirectory(options.directory);

    const deadLetters = await DeadLetters.open(options.directory, resolved.log);
    const spool = new Spool(resolved, { segment: activeSegment, handle, size }, cursor, deadLetters, lock);
    for (const record of records) {
      spool.queue.push(record);
      spool.queuedBytes += record.bytes;
    }
    return spool;
  }

  /** Committed events not yet relayed, and their bytes on disk (the part counted against the limit). */
  depth(): { events: number; bytes: number; deadLetterBytes: number; pendingEvents: number; maxBytes: number } {
    return {
      events: this.queue.length - this.queueHead,
      bytes: this.queuedBytes,
      deadLetterBytes: this.deadLetters.bytes,
      pendingEvents: this.pending.length,
      maxBytes: this.options.maxBytes,
    };
  }

  /** Events committed, and the fsyncs that committed them, since this process opened the spool. */
  stats(): { committed: number; fsyncs: number } {
    return { committed: this.committedEvents, fsyncs: this.fsyncs };
  }

  /** Resolves once the event is on disk (fsync'ed); rejects with SpoolFullError when the spool is full. */
  append(topic: Topic, event: EventEnvelope): Promise<void> {
    return this.enqueue(topic, event, 0);
  }

  /** `creditBytes`: dead-letter bytes this event replaces (a replay), not counted twice against the limit. */
  private enqueue(topic: Topic, event: EventEnvelope, creditBytes: number): Promise<void> {
    if (this.closed) return Promise.reject(new SpoolClosedError());
    const payload = Buffer.from(JSON.stringify({ t: topic, e: event }), 'utf8');
    const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    frame.writeUInt32BE(payload.length, 0);
    frame.writeUInt32BE(crc32(payload), 4);
    payload.copy(frame, HEADER_BYTES);
    const deadLetterBytes = this.deadLetters.bytes - creditBytes;
    const depthBytes = this.queuedBytes + this.pendingBytes + deadLetterBytes;
    if (depthBytes + frame.length > this.options.maxBytes) {
      return Promise.reject(new SpoolFullError(this.options.maxBytes, depthBytes, deadLetterBytes));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, event, frame, resolve, reject });
      this.pendingBytes += frame.length;
      this.flushing ??= this.flushLoop();
    });
  }

  /** Drains `pending`; clears `flushing` synchronously when it finds nothing left, so no append is stranded. */
  private async flushLoop(): Promise<void> {
    while (true) {
      if (this.pending.length === 0) {
        this.flushing = undefined;
        return;
      }
      const batch = this.pending;
      this.pending = [];
      const batchBytes = batch.reduce((sum, p) => sum + p.frame.length, 0);
      try {
        if (this.active.size >= this.options.segmentBytes) await this.rotate();
        const start = this.active.size;
        try {
          await writeFully(
            this.active.handle,
            batch.map((p) => p.frame),
          );
          await this.active.handle.datasync();
          this.fsyncs++;
        } catch (error) {
          // Cut off whatever part of the batch reached the file, so the next batch starts on a frame boundary.
          await this.active.handle.truncate(start).catch(() => {});
          throw error;
        }
        let end = start;
        for (const p of batch) {
          end += p.frame.length;
          this.queue.push({ topic: p.topic, event: p.event, segment: this.active.segment, end, bytes: p.frame.length });
          this.queuedBytes += p.frame.length;
        }
        this.active.size = end;
        this.pendingBytes -= batchBytes;
        this.committedEvents += batch.length;
        for (const p of batch) p.resolve();
        this.wake();
      } catch (error) {
        this.pendingBytes -= batchBytes;
        const failure = new Error(`spool write failed: ${(error as Error).message}`, { cause: error });
        for (const p of batch) p.reject(failure);
      }
    }
  }

  private async rotate(): Promise<void> {
    const next = this.active.segment + 1;
    const handle = await open(join(this.options.directory, segmentName(next)), 'a');
    await syncDirectory(this.options.directory);
    const previous = this.active.handle;
    this.active = { segment: next, handle, size: 0 };
    await previous.close();
  }

  /** Up to `max` committed records from the head, in order, without removing them. */
  peek(max: number): SpoolRecord[] {
    return this.queue.slice(this.queueHead, this.queueHead + max);
  }

  /** Resolves when there is something to relay, or the spool closes. */
  waitForRecords(): Promise<void> {
    if (this.queue.length > this.queueHead || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * The bus has the first `count` records: move the cursor past them and delete segments behind it.
   * The cursor file is replaced atomically (rename) but not fsync'ed, and writes are coalesced:
   * losing its last update to a crash only republishes events with the same ids.
   */
  async acknowledge(count: number): Promise<void> {
    if (count <= 0) return;
    const available = this.queue.length - this.queueHead;
    if (count > available) throw new Error(`cannot acknowledge ${count} records; ${available} are queued`);
    const last = this.queue[this.queueHead + count - 1] as SpoolRecord;
    for (let i = this.queueHead; i < this.queueHead + count; i++) {
      this.queuedBytes -= (this.queue[i] as SpoolRecord).bytes;
    }
    this.queueHead += count;
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.cursor = { segment: last.segment, offset: last.end };
    return this.saveCursor();
  }

  /**
   * The bus refuses the head record as invalid: it goes to the dead-letter segment (on disk first)
   * and the cursor moves past it, so the records behind it are relayed.
   */
  async setAsideHead(reason: string): Promise<DeadLetter> {
    const head = this.queue[this.queueHead];
    if (!head) throw new Error('there is no record to set aside');
    const letter: DeadLetter = { topic: head.topic, event: head.event, reason, at: new Date().toISOString() };
    await this.deadLetters.add(letter);
    await this.acknowledge(1);
    return letter;
  }

  /** Puts a dead letter back into the spool (behind what is queued); false when there is none with that id. */
  async replayDeadLetter(id: string): Promise<boolean> {
    const letter = this.deadLetters.find(id);
    if (!letter) return false;
    // Its bytes move from the dead letters to the queue: a full spool still takes its own letter back.
    await this.enqueue(letter.topic, letter.event, this.deadLetters.bytesOf(id));
    await this.deadLetters.remove(id);
    return true;
  }

  /** One cursor write at a time; acknowledgements arriving meanwhile are folded into the next write. */
  private saveCursor(): Promise<void> {
    this.cursorDirty = true;
    this.cursorSave ??= this.cursorSaveLoop();
    return this.cursorSave;
  }

  private async cursorSaveLoop(): Promise<void> {
    const directory = this.options.directory;
    try {
      while (true) {
        if (!this.cursorDirty) {
          this.cursorSave = undefined;
          return;
        }
        this.cursorDirty = false;
        const cursor = this.cursor;
        const tmp = join(directory, `${CURSOR_FILE}.tmp`);
        await writeFile(tmp, JSON.stringify(cursor));
        await rename(tmp, join(directory, CURSOR_FILE));
        for (let s = this.persistedSegment; s < cursor.segment; s++) {
          await rm(join(directory, segmentName(s)), { force: true });
        }
        this.persistedSegment = cursor.segment;
      }
    } catch (error) {
      this.cursorSave = undefined;
      throw error;
    }
  }

  /** Stops accepting; waits for appends already queued to reach the disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.cursorSave?.catch(() => {});
    this.wake();
    await this.active.handle.close();
    await this.deadLetters.close();
    await this.lock.release();
  }
}

async function readCursor(directory: string): Promise<{ segment: number; offset: number }> {
  try {
    const raw = JSON.parse(await readFile(join(directory, CURSOR_FILE), 'utf8')) as {
      segment?: unknown;
      offset?: unknown;
    };
    if (Number.isInteger(raw.segment) && Number.isInteger(raw.offset)) {
      return { segment: raw.segment as number, offset: raw.offset as number };
    }
    throw new Error(`spool cursor ${join(directory, CURSOR_FILE)} is not {segment, offset}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { segment: 0, offset: 0 };
    throw error;
  }
}

function parseSegment(
  bytes: Buffer,
  segment: number,
): { records: SpoolRecord[]; validBytes: number; totalBytes: number } {
  const records: SpoolRecord[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const checksum = bytes.readUInt32BE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    let parsed: { t: Topic; e: EventEnvelope };
    try {
      parsed = JSON.parse(payload.toString('utf8')) as { t: Topic; e: EventEnvelope };
    } catch {
      break;
    }
    records.push({ topic: parsed.t, event: parsed.e, segment, end, bytes: end - offset });
    offset = end;
  }
  return { records, validBytes: offset, totalBytes: bytes.length };
}

async function writeFully(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  const data = buffers.length === 1 ? (buffers[0] as Buffer) : Buffer.concat(buffers);
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a new file's directory entry durable. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
