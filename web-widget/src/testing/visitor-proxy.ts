/**
 * A reverse proxy in front of control for the browser tests: `/visitor/<ip>/…` reaches control's
 * `/…` with `X-Forwarded-For: <ip>` (control trusts a loopback proxy), so each test is a visitor of
 * its own address and control's per-IP session limit is tested without tests starving each other.
 * It also stands for a deployment behind a proxy under a path prefix (api-base with a path).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VisitorProxy {
  url: string;
  /**
   * Holds the next Server-Sent Events reply to `ip` after its first event (a reply caught while it
   * streams, for screenshots); resolves the returned function to let the rest through.
   */
  holdStream(ip: string): () => void;
  close(): Promise<void>;
}

export async function startVisitorProxy(controlUrl: string): Promise<VisitorProxy> {
  const target = new URL(controlUrl);
  const holds = new Map<string, Promise<void>>();
  const server = createServer((req, res) => {
    const match = /^\/visitor\/([0-9.]+)(\/.*)$/.exec(req.url ?? '');
    if (!match) return res.writeHead(404).end();
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: match[2],
        headers: { ...req.headers, host: target.host, 'x-forwarded-for': match[1] },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const hold = holds.get(match[1]!);
        if (!hold || !String(answer.headers['content-type']).startsWith('text/event-stream')) return answer.pipe(res);
        holds.delete(match[1]!);
        let seen = '';
        let held = false;
        const rest: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => {
          if (held) return rest.push(chunk);
          seen += chunk.toString('utf8');
          const firstEnd = seen.indexOf('\n\n');
          if (firstEnd < 0) return;
          held = true;
          res.write(seen.slice(0, firstEnd + 2));
          rest.push(Buffer.from(seen.slice(firstEnd + 2)));
        });
        answer.on('end', () => {
          void hold.then(() => res.end(Buffer.concat(rest)));
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holdStream(ip) {
      let release!: () => void;
      holds.set(ip, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
