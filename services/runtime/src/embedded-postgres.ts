import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteWireServer } from './pglite-wire-server.ts';

/**
 * PostgreSQL in WebAssembly (PGlite) served over the wire protocol on 127.0.0.1, so the same `pg`
 * code runs against it and against a real server, from one process or several. It is one session:
 * connections take turns a message group at a time, and an open transaction holds every other
 * connection until it ends, so never await work that needs another connection inside a transaction.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PgliteWireServer,
    readonly url: string,
    private readonly dataDir: string | undefined,
  ) {}

  /** `dataDir` keeps the data on disk; without it the database lives in memory. */
  static async start(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
    // PGlite does not create missing parent directories itself.
    if (options.dataDir) {
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      await tightenModes(options.dataDir);
    }
    const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
    await db.waitReady;
    const server = new PgliteWireServer(db);
    if (options.dataDir) await tightenModes(options.dataDir);
    const { host, port } = await server.listen(options.port ?? 0, '127.0.0.1');
    return new EmbeddedPostgres(
      db,
      server,
      `postgres://postgres@${host}:${port}/postgres?sslmode=disable`,
      options.dataDir,
    );
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.db.close();
    if (this.dataDir) await tightenModes(this.dataDir);
  }
}

/**
 * PGlite writes its files 0666 whatever the umask. The data folder is made 0700 (so files created
 * while it runs are out of other users' reach) and every file 0600, every folder 0700, as a real
 * PostgreSQL keeps its data directory.
 */
async function tightenModes(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await tightenModes(path);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}
