/**
 * The webhook receiver's admin API (inbound routes, their recent deliveries, dead letters):
 * openapi-fetch over the types generated from its document (webhooks-api.gen.ts). The console
 * reaches it through control, at `<control>/webhooks/admin/v1/…`: same origin for the web app (no
 * CORS) and the one site the Electron app's CSP allows. The receiver checks the token itself.
 */
import createClient from 'openapi-fetch';
import { bearerAuth, type TokenSource } from './control-client.ts';
import type { components, paths } from './webhooks-api.gen.ts';

export type WebhooksSchemas = components['schemas'];
export type WebhooksClient = ReturnType<typeof createClient<paths>>;

export function createWebhooksClient(controlUrl: string, tokens: TokenSource): WebhooksClient {
  const client = createClient<paths>({ baseUrl: `${controlUrl.replace(/\/+$/, '')}/webhooks` });
  client.use(bearerAuth(tokens));
  return client;
}
