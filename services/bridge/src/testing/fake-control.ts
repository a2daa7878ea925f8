import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type CallSummary, ParticipantTokenRequest } from '@speaknode/contracts';

export interface FakeControlRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/**
 * A local HTTP server speaking control's documented internal API (`InternalPaths` in contracts)
 * for the calls the bridge makes, plus a minimal OIDC issuer (discovery and a client-credentials
 * token endpoint) so the bridge's real `ServiceTokenSource` is exercised.
 */
export async function startFakeControl(
  options: { clientId?: string; clientSecret?: string; livekitUrl?: string } = {},
) {
  const clientId = options.clientId ?? 'speaknode-bridge';
  const clientSecret = options.clientSecret ?? 'bridge-secret';
  const calls = new Map<string, CallSummary>();
  const requests: FakeControlRequest[] = [];
  const issued = new Set<string>();
  let url = '';

  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const problem = (res: ServerResponse, status: number, detail: string) =>
    send(res, status, { type: 'about:blank', title: 'Problem', status, detail }, 'application/problem+json');

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // form bodies (token endpoint) stay text
    }
    requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path === '/.well-known/openid-configuration') {
      return send(res, 200, { issuer: url, token_endpoint: `${url}/oauth/token` });
    }
    if (path === '/oauth/token') {
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected || !String(text).includes('grant_type=client_credentials')) {
        return send(res, 401, { error: 'invalid_client' });
      }
      const token = `svc-${randomUUID()}`;
      issued.add(token);
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '');
    if (!auth || !issued.has(auth)) return problem(res, 401, 'a valid service token is required');
    const callMatch = /^\/internal\/v1\/calls\/([^/]+)(\/participant-token)?$/.exec(path);
    if (!callMatch) return problem(res, 404, `no route ${path}`);
    const call = calls.get(decodeURIComponent(callMatch[1] as string));
    if (!call) return problem(res, 404, 'no such call');
    if (!callMatch[2] && req.method === 'GET') return send(res, 200, call);
    if (callMatch[2] && req.method === 'POST') {
      const parsed = ParticipantTokenRequest.safeParse(body);
      if (!parsed.success) return problem(res, 400, parsed.error.message);
      return send(res, 200, {
        callId: call.callId,
        serverUrl: options.livekitUrl ?? 'ws://livekit.invalid:7880',
        token: `lk-${parsed.data.identity}`,
      });
    }
    return problem(res, 405, 'method not allowed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    clientId,
    clientSecret,
    calls,
    requests,
    /** Register a live phone call and return its id. */
    addCall(overrides: Partial<CallSummary> = {}): string {
      const callId = overrides.callId ?? randomUUID();
      calls.set(callId, {
        callId,
        spaceId: randomUUID(),
        agentId: randomUUID(),
        channel: 'phone',
        status: 'in_progress',
        roomName: `call-${callId}`,
        fromNumber: '+14155550100',
        toNumber: '+14155550199',
        provider: 'twilio',
        ...overrides,
      });
      return callId;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeControl = Awaited<ReturnType<typeof startFakeControl>>;
