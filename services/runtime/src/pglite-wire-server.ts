import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D'
const CLOSE = 0x43; // 'C'

/** The cstring starting at `offset`, and the offset after its NUL. */
function cstring(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/**
 * Prepared statements and portals are per connection on a real server but live in the one PGlite
 * session here, so two connections preparing `get-agent` would collide. Named ones are renamed
 * per connection in Parse, Bind, Describe and Close; unnamed ones are safe because groups never interleave.
 */
function scopeStatementNames(group: Buffer, connectionId: number, prepared: Set<string>): Buffer {
  const scoped = (name: string) => (name === '' ? '' : `c${connectionId}_${name}`);
  const parts: Buffer[] = [];
  let offset = 0;
  let changed = false;
  while (offset < group.length) {
    const type = group[offset]!;
    const end = offset + 1 + group.readInt32BE(offset + 1);
    const body = group.subarray(offset + 5, end);
    if (type === PARSE || type === BIND) {
      // Parse: statement name first. Bind: portal name, then statement name.
      const [first, afterFirst] = cstring(body, 0);
      if (type === PARSE) {
        if (first !== '') prepared.add(scoped(first));
        parts.push(message(type, Buffer.concat([Buffer.from(`${scoped(first)}\0`), body.subarray(afterFirst)])));
      } else {
        const [statement, afterStatement] = cstring(body, afterFirst);
        parts.push(
          message(
            type,
            Buffer.concat([Buffer.from(`${scoped(first)}\0${scoped(statement)}\0`), body.subarray(afterStatement)]),
          ),
        );
      }
      changed = true;
    } else if ((type === DESCRIBE || type === CLOSE) && body.length > 1) {
      const [name] = cstring(body, 1);
      parts.push(message(type, Buffer.concat([body.subarray(0, 1), Buffer.from(`${scoped(name)}\0`)])));
      changed = true;
    } else {
      parts.push(group.subarray(offset, end));
    }
    offset = end;
  }
  return changed ? Buffer.concat(parts) : group;
}

/** Frontend messages after which a connection waits for the server: the end of a group. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;

interface Connection {
  id: number;
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  /** After a Flush the extended-protocol exchange is not over until Sync: keep the session. */
  midExchange: boolean;
  /** The closing message type of each queued group, in order (0 for the startup message). */
  lastType: number[];
  /** Its named prepared statements, as renamed in the shared session: deallocated when it goes. */
  prepared: Set<string>;
}

interface PendingGroup {
  connection: Connection;
  bytes: Buffer;
}

/**
 * Serves one PGlite session to many PostgreSQL wire-protocol connections. A connection's messages
 * run as whole groups (everything up to Sync, a simple Query, or Flush), so two connections'
 * Parse/Bind/Execute never interleave; while a connection has a transaction (or an unfinished
 * extended exchange) open, only its groups run. This is what a real server's separate backends
 * give for free; the price is that an open transaction holds every other connection until it ends.
 */
export class PgliteWireServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly queue: PendingGroup[] = [];
  private owner: Connection | undefined;
  private running = false;
  private nextId = 1;

  constructor(private readonly db: PGlite) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host: string): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the embedded PostgreSQL server has no TCP address');
    return { host, port: address.port };
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket) {
    socket.setNoDelay(true);
    const connection: Connection = {
      id: this.nextId++,
      socket,
      buffer: Buffer.alloc(0),
      started: false,
      midExchange: false,
      lastType: [],
      prepared: new Set(),
    };
    this.connections.add(connection);
    socket.on('data', (chunk) => {
      connection.buffer = connection.buffer.length ? Buffer.concat([connection.buffer, chunk]) : chunk;
      this.split(connection);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.drop(connection));
  }

  /** Cuts complete groups off the connection's buffer and queues them. */
  private split(connection: Connection) {
    for (;;) {
      const buffer = connection.buffer;
      if (!connection.started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        connection.buffer = buffer.subarray(length);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          connection.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) {
          connection.socket.end();
          return;
        }
        connection.started = true;
        connection.lastType.push(0);
        this.enqueue(connection, buffer.subarray(0, length));
        continue;
      }
      // Find the end of the next group: whole messages up to and including a Sync, Query, Flush or Terminate.
      let offset = 0;
      let endType = -1;
      while (offset + 5 <= buffer.length) {
        const type = buffer[offset]!;
        const size = 1 + buffer.readInt32BE(offset + 1);
        if (offset + size > buffer.length) break;
        offset += size;
        if (type === SYNC || type === QUERY || type === FLUSH || type === TERMINATE) {
          endType = type;
          break;
        }
      }
      if (endType < 0) return;
      const group = buffer.subarray(0, offset);
      connection.buffer = buffer.subarray(offset);
      if (endType === TERMINATE) {
        connection.socket.end();
        return;
      }
      connection.lastType.push(endType);
      this.enqueue(connection, scopeStatementNames(group, connection.id, connection.prepared));
    }
  }

  private enqueue(connection: Connection, bytes: Buffer) {
    this.queue.push({ connection, bytes: Buffer.from(bytes) });
    void this.run();
  }

  private async run() {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index = this.owner ? this.queue.findIndex((g) => g.connection === this.owner) : 0;
        if (index < 0 || this.queue.length === 0) return;
        const [group] = this.queue.splice(index, 1);
        await this.execute(group!);
      }
    } finally {
      this.running = false;
    }
  }

  private async execute({ connection, bytes }: PendingGroup) {
    const lastType = connection.lastType.shift();
    if (connection.socket.destroyed) return;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(new Uint8Array(bytes), {
          onRawData: (data) => {
            if (data.length > 0 && !connection.socket.destroyed) connection.socket.write(Buffer.from(data));
          },
        }),
      );
    } catch {
      connection.socket.destroy();
    }
    connection.midExchange = lastType === FLUSH;
    this.owner = this.db.isInTransaction() || connection.midExchange ? connection : undefined;
  }

  /** A connection that goes away inside a transaction must not leave the session in it. */
  private async drop(connection: Connection) {
    this.connections.delete(connection);
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (this.queue[i]!.connection === connection) this.queue.splice(i, 1);
    if (this.owner === connection) {
      this.owner = undefined;
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => {});
    }
    for (const name of connection.prepared) {
      await this.db.exec(`DEALLOCATE "${name.replaceAll('"', '""')}"`).catch(() => {});
    }
    void this.run();
  }
}
