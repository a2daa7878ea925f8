import { readFile } from 'node:fs/promises';

/** What the watcher did to one service's container. */
export interface WatchedService {
  /** The container its counts belong to: a recreated container starts from zero. */
  containerId?: string;
  /** How often the watcher started or restarted it (the engine's own restarts are `RestartCount`). */
  restarts: number;
  lastRestartAt?: string;
  /** Set when it stopped bringing the service back: why, and what to do. */
  gaveUp?: string;
  gaveUpAt?: string;
}

export interface WatchJournal {
  project: string;
  updatedAt: string;
  services: Record<string, WatchedService>;
}

/** The journal a watcher writes (see `WatchOptions.journal`); undefined when there is none or it is unreadable. */
export async function readWatchJournal(path: string): Promise<WatchJournal | undefined> {
  try {
    const journal = JSON.parse(await readFile(path, 'utf8')) as WatchJournal;
    return journal && typeof journal.services === 'object' ? journal : undefined;
  } catch {
    return undefined;
  }
}
