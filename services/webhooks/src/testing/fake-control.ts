import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InternalPaths, type PhoneNumberLookup, type Role } from '@speaknode/contracts';

/**
 * Control's internal number lookup as documented in contracts (`GET /internal/v1/phone-numbers/lookup
 * ?provider=…&number=…` → PhoneNumberLookup, 404 when no space has it), optionally demanding a bearer
 * token that `authorize` accepts; and `GET /api/v1/spaces/{id}` answering the caller's `role` as
 * `spaceRoles` decides (404 for a non-member), like control's public API.
 */
export async function startFakeControl(options: {
  numbers: PhoneNumberLookup[];
  authorize?: (authorization: string | undefined) => Promise<boolean>;
  spaceRoles?: (authorization: string | undefined, spaceId: string) => Promise<Role | null>;
}): Promise<{ url: string; requests: IncomingMessage[]; down: boolean; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const state = { down: false };
  const server: Server = createServer(async (req, res) => {
    requests.push(req);
    if (state.down) {
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503}');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://control');
    const space = /^\/api\/v1\/spaces\/([^/]+)$/.exec(url.pathname);
    if (space && options.spaceRoles) {
      const spaceId = decodeURIComponent(space[1] as string);
      const role = await options.spaceRoles(req.headers.authorization, spaceId);
      if (!role) {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: spaceId, name: 'Space', role }));
      return;
    }
    if (url.pathname !== InternalPaths.phoneNumberLookup) {
      res.writeHead(404).end();
      return;
    }
    if (options.authorize && !(await options.authorize(req.headers.authorization))) {
      res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"status":401}');
      return;
    }
    const found = options.numbers.find(
      (n) => n.provider === url.searchParams.get('provider') && n.number === url.searchParams.get('number'),
    );
    if (!found) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
