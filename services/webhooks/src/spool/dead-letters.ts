import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventEnvelope, Topic } from '@speaknode/contracts';

/** An accepted event the bus refused as invalid: set aside so the relay goes on, kept until replayed or discarded. */
export interface DeadLetter {
  topic: Topic;
  event: EventEnvelope;
  /** Why it was set aside: the bus's refusal, or the check that predicted it. */
  reason: string;
  /** When it was set aside (ISO 8601). */
  at: string;
}

const FILE = 'dead-letters.jsonl';

/**
 * The dead-letter segment beside the spool: one JSON line per event, appended and fdatasync'ed
 * before the relay moves its cursor past the event, so a dead-lettered event survives a crash
 * like a spooled one. Keyed by event id (a second copy of one id, e.g. after a crash between the
 * append and the cursor move, is not added again). Removing one rewrites the file atomically.
 */
export class DeadLetters {
  /** Adds and removals run one at a time: a rewrite swaps the file under an append otherwise. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Bytes of the letters held: they count against the spool's limit, so a flood of refused events stays bounded. */
  private lineBytes = 0;

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, DeadLetter>,
    private handle: FileHandle,
    private dead = 0,
  ) {
    for (const letter of entries.values()) this.lineBytes += lineOf(letter).length;
  }

  static async open(directory: string, log: (message: string) => void = () => {}): Promise<DeadLetters> {
    const path = join(directory, FILE);
    const entries = new Map<string, DeadLetter>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    let torn = false;
    for (const [index, line] of lines.entries()) {
      if (!line) continue;
      try {
        const letter = JSON.parse(line) as DeadLetter;
        entries.set(letter.event.id, letter);
      } catch {
        // Only a crash mid-append tears a line, and only the last one; that event is still in the spool.
        torn = true;
        log(`spool: dead letter line ${index + 1} of ${path} is incomplete; dropping it`);
      }
    }
    const dead = new DeadLetters(path, entries, await open(path, 'a'));
    if (torn) await dead.rewrite();
    return dead;
  }

  get bytes(): number {
    return this.lineBytes;
  }

  /** The bytes one letter takes on disk. */
  bytesOf(id: string): number {
    const letter = this.entries.get(id);
    return letter ? lineOf(letter).length : 0;
  }

  get count(): number {
    return this.entries.size;
  }

  /** Events set aside since this process opened the segment. */
  get added(): number {
    return this.dead;
  }

  list(): DeadLetter[] {
    return [...this.entries.values()];
  }

  find(id: string): DeadLetter | undefined {
    return this.entries.get(id);
  }

  /** Resolves once the letter is on disk. */
  add(letter: DeadLetter): Promise<void> {
    return this.serially(async () => {
      if (this.entries.has(letter.event.id)) return;
      const line = lineOf(letter);
      await this.handle.write(line);
      await this.handle.datasync();
      this.entries.set(letter.event.id, letter);
      this.lineBytes += line.length;
      this.dead++;
    });
  }

  /** Takes a letter out (after it was replayed into the spool, or to discard it); false when there is none. */
  remove(id: string): Promise<boolean> {
    return this.serially(async () => {
      const letter = this.entries.get(id);
      if (!letter) return false;
      this.entries.delete(id);
      this.lineBytes -= lineOf(letter).length;
      await this.rewrite();
      return true;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => {});
    return next;
  }

  private async rewrite(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const lines = Buffer.concat([...this.entries.values()].map(lineOf));
    await writeFile(tmp, lines, { flush: true });
    await rename(tmp, this.path);
    await this.handle.close();
    this.handle = await open(this.path, 'a');
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

function lineOf(letter: DeadLetter): Buffer {
  return Buffer.from(`${JSON.stringify(letter)}\n`, 'utf8');
}
