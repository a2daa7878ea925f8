/**
 * A local stand-in for control's internal API, implementing the documented contract
 * (`InternalPaths`, validated with the contract schemas) and a client-credentials token endpoint,
 * so the worker's real ControlClient + ServiceTokenSource are exercised end to end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AgentRuntimeConfig,
  type CallSummary,
  CallUpdate,
  CallUsageReport,
  InternalPaths,
  SipCallRequest,
  TranscriptAppend,
} from '@speaknode/contracts';

export interface FakeControl {
  url: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  configs: Map<string, AgentRuntimeConfig>;
  /** Call summaries by call id (`GET /internal/v1/calls/{callId}`). */
  summaries: Map<string, CallSummary>;
  updates: Array<{ callId: string; update: CallUpdate }>;
  transcripts: Array<{ callId: string; append: TranscriptAppend }>;
  usages: Array<{ callId: string; usage: CallUsageReport }>;
  /** Call ids by `roomName` (`POST /internal/v1/sip-calls`); the requests as they came. */
  sipCalls: Map<string, string>;
  sipCallRequests: SipCallRequest[];
  configFetches: number;
  tokensIssued: number;
  rejected: string[];
  /** Forgets every token issued so far, as an issuer restart or key rotation would. */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startFakeControl(): Promise<FakeControl> {
  const clientId = 'speaknode-agent';
  const clientSecret = 'agent-client-secret';
  const validTokens = new Set<string>();
  const state: Omit<FakeControl, 'url' | 'issuer' | 'close' | 'revokeTokens'> = {
    clientId,
    clientSecret,
    configs: new Map(),
    summaries: new Map(),
    updates: [],
    transcripts: [],
    usages: [],
    sipCalls: new Map(),
    sipCallRequests: [],
    configFetches: 0,
    tokensIssued: 0,
    rejected: [],
  };
  let base = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const json = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(200, { issuer: base, token_endpoint: `${base}/token` });
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
        const token = `tok-${++state.tokensIssued}`;
        validTokens.add(token);
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !validTokens.has(token)) {
        state.rejected.push(url.pathname);
        return json(401, { title: 'Unauthorized' });
      }
      const parts = url.pathname.split('/');
      const id = decodeURIComponent(parts[4] ?? '');
      if (req.method === 'GET' && url.pathname === InternalPaths.agentRuntimeConfig(id)) {
        state.configFetches++;
        const config = state.configs.get(id);
        return config ? json(200, config) : json(404, { title: 'Not Found' });
      }
      if (req.method === 'GET' && url.pathname === InternalPaths.call(id)) {
        const summary = state.summaries.get(id);
        return summary ? json(200, summary) : json(404, { title: 'Not Found' });
      }
      const parse = <T>(schema: { safeParse(v: unknown): { success: boolean; data?: T } }) => {
        const result = schema.safeParse(JSON.parse(body || 'null'));
        return result.success ? (result.data as T) : undefined;
      };
      if (req.method === 'POST' && url.pathname === InternalPaths.sipCall) {
        const request = parse<SipCallRequest>(SipCallRequest.strict());
        if (!request) return json(400, { title: 'Bad Request' });
        state.sipCallRequests.push(request);
        const callId = state.sipCalls.get(request.roomName);
        return callId ? json(200, { callId }) : json(404, { title: 'Not Found' });
      }
      if (req.method === 'POST' && url.pathname === InternalPaths.callUpdate(id)) {
        const update = parse<CallUpdate>(CallUpdate);
        if (!update) return json(400, { title: 'Bad Request' });
        state.updates.push({ callId: id, update });
        return json(204);
      }
      if (req.method === 'POST' && url.pathname === InternalPaths.transcript(id)) {
        const append = parse<TranscriptAppend>(TranscriptAppend);
        if (!append) return json(400, { title: 'Bad Request' });
        state.transcripts.push({ callId: id, append });
        return json(204);
      }
      if (req.method === 'POST' && url.pathname === InternalPaths.usage(id)) {
        const usage = parse<CallUsageReport>(CallUsageReport);
        if (!usage) return json(400, { title: 'Bad Request' });
        state.usages.push({ callId: id, usage });
        return json(204);
      }
      return json(404, { title: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url: base,
    issuer: base,
    revokeTokens() {
      validTokens.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  }) as FakeControl;
}
