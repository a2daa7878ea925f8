import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmbeddedIssuer, generateIssuerKey } from '@speaknode/runtime/embedded-issuer';
import { ServiceTokenSource } from '@speaknode/runtime/service-token';
import express from 'express';

/** A real oidc-provider issuer (runtime's embedded one) on a loopback port, minting client-credentials tokens with roles. */
export async function startTestIssuer(options: { audience: string; clients: { clientId: string; roles: string[] }[] }) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  const issuer = createEmbeddedIssuer({
    issuer: issuerUrl,
    audience: options.audience,
    clients: options.clients.map((c) => ({ ...c, clientSecret: `secret-of-${c.clientId}` })),
    signingKeys: [await generateIssuerKey()],
  });
  const app = express();
  app.use('/oidc', issuer.handler);
  server.on('request', app);
  return {
    issuerUrl,
    tokens: (clientId: string) =>
      new ServiceTokenSource({ issuer: issuerUrl, clientId, clientSecret: `secret-of-${clientId}` }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
