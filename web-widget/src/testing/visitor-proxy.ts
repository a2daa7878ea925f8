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
  close(): Promise<void>;
}

export async function startVisitorProxy(controlUrl: string): Promise<VisitorProxy> {
  const target = new URL(controlUrl);
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
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
