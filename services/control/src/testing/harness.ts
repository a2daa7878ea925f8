import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceRole } from '@speaknode/contracts';
import { ControlConfig, loadConfig } from '@speaknode/contracts/node';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import { createTestDatabase, createTestKeyValueStore, type TestDatabase } from '@speaknode/runtime/testing';
import { importJWK, SignJWT } from 'jose';
import type { Logger } from '../context.ts';
import { embeddedOidcStatePath, loadOrCreateEmbeddedOidcState } from '../embedded-oidc.ts';
import { type RunningControl, type StartControlOptions, startControl } from '../start.ts';

export interface TestResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
  body: any;
  headers: Headers;
}

export interface TestControl {
  url: string;
  control: RunningControl;
  database: TestDatabase;
  /** A user access token signed by the embedded issuer's own key (as the issuer would mint it). */
  userToken(
    subject: string,
    options?: { email?: string; audience?: string; issuer?: string; expiresInSeconds?: number },
  ): Promise<string>;
  /** A real client-credentials token from the embedded issuer (oidc-provider) for a service role. */
  serviceToken(role: ServiceRole): Promise<string>;
  /** fetch against control with JSON in and out. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Quiet, except for errors (a 500 in a test should say why). */
const testLogger: Logger = {
  info() {},
  warn() {},
  error: (message, fields) => console.error(message, fields ?? ''),
};

const SERVICE_CLIENTS = [
  { clientId: 'test-webhooks', clientSecret: 'test-webhooks-secret', role: 'service:webhooks' },
  { clientId: 'test-bridge', clientSecret: 'test-bridge-secret', role: 'service:bridge' },
  { clientId: 'test-agent', clientSecret: 'test-agent-secret', role: 'service:agent' },
] as const;

/**
 * Control on a throwaway database (the server in DATABASE_URL, or embedded PGlite), port 0, with
 * its embedded OIDC issuer (a real oidc-provider) and one client per service role. For the
 * control package's tests, including the conversations modules (`extraModules`).
 */
export async function startTestControl(
  options: { env?: Record<string, string>; start?: StartControlOptions } = {},
): Promise<TestControl> {
  const dataDir = await mkdtemp(join(tmpdir(), 'speaknode-control-test-'));
  const config = loadConfig('control', ControlConfig, {
    PORT: '0',
    SPEAKNODE_DATA_DIR: dataDir,
    SPEAKNODE_EMBEDDED_CLIENTS: JSON.stringify(SERVICE_CLIENTS),
    ...options.env,
  });
  const database = await createTestDatabase();
  const store = await createTestKeyValueStore();
  const control = await startControl(config, {
    log: testLogger,
    database,
    store,
    relay: { pollMs: 100 },
    ...options.start,
  });
  const state = await loadOrCreateEmbeddedOidcState(embeddedOidcStatePath(config));
  const signingKey = state.signingKeys[0]!;
  const tokenSources = new Map<ServiceRole, ServiceTokenSource>();

  return {
    url: control.url,
    control,
    database,
    async userToken(subject, tokenOptions = {}) {
      const key = await importJWK(signingKey, 'RS256');
      return new SignJWT({ ...(tokenOptions.email ? { email: tokenOptions.email } : {}) })
        .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid! })
        .setIssuer(tokenOptions.issuer ?? control.issuer)
        .setAudience(tokenOptions.audience ?? config.SPEAKNODE_OIDC_AUDIENCE)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (tokenOptions.expiresInSeconds ?? 600))
        .sign(key);
    },
    async serviceToken(role) {
      let source = tokenSources.get(role);
      if (!source) {
        const client = SERVICE_CLIENTS.find((c) => c.role === role)!;
        source = new ServiceTokenSource({
          issuer: control.issuer,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        });
        tokenSources.set(role, source);
      }
      return source.token();
    },
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      let body: string | undefined;
      if (requestOptions.rawBody !== undefined) {
        body = requestOptions.rawBody;
        headers['content-type'] ??= 'application/json';
      } else if (requestOptions.body !== undefined) {
        body = JSON.stringify(requestOptions.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${control.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body: parsed as TestResponse['body'], headers: res.headers };
    },
    async close() {
      await control.close();
      await store.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
