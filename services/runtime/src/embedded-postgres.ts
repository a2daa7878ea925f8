import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PostgreSQL in WebAssembly (PGlite) served over the wire protocol on 127.0.0.1, so the same `pg`
 * code runs against it and against a real server. It serves one session at a time and multiplexes
 * the rest: an open transaction holds every other connection until it ends, so never await work
 * that needs another connection inside a transaction.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /** `dataDir` keeps the data on disk; without it the database lives in memory. */
  static async start(
    options: { dataDir?: string; port?: number; maxConnections?: number } = {},
  ): Promise<EmbeddedPostgres> {
    const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
    await db.waitReady;
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 32,
    });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return new EmbeddedPostgres(db, server, url);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
