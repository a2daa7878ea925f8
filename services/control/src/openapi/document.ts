import type { RouteModule } from '../routes/route-module.ts';
import { OpenApiBuilder } from './builder.ts';

/** `GET /openapi.json`: OpenAPI 3.1, generated from the same zod schemas the handlers validate with. */
export function buildOpenApiDocument(modules: RouteModule[]): Record<string, unknown> {
  const doc = new OpenApiBuilder({
    title: 'Speaknode control API',
    version: '1.0.0',
    description:
      'Spaces, members, agents, HTTP tools, phone numbers, credentials, webhook subscriptions, API keys, calls and the audit log. ' +
      'Every request carries `Authorization: Bearer <OIDC access token or space API key>`. Errors are RFC 9457 problem details.',
  });
  for (const module of modules) module.openapi?.(doc);
  return doc.document();
}
