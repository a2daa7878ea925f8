import { mkdir } from 'node:fs/promises';
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
  ) {}

  /** `dataDir` keeps the data on disk; without it the database lives in memory. */
  static async start(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
    // PGlite does not create missing parent directories itself.
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
    await db.waitReady;
    const server = new PgliteWireServer(db);
    const { host, port } = await server.listen(options.port ?? 0, '127.0.0.1');
    return new EmbeddedPostgres(db, server, `postgres://postgres@${host}:${port}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.db.close();
  }
}
