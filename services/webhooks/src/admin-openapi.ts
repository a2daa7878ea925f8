import { EventEnvelope } from '@speaknode/contracts';
import { OpenApiBuilder } from '@speaknode/runtime/openapi';
import { z } from 'zod';
import { InboundRouteInput, InboundRoutePatch, InboundRouteView } from './inbound/route-definition.ts';
import { RouteDelivery } from './inbound/route-deliveries.ts';

export const DeadLetterView = z.object({
  id: z.string(),
  type: z.string(),
  topic: z.string(),
  reason: z.string().describe('why the bus refused it'),
  at: z.string().describe('when it was set aside (ISO 8601)'),
  event: EventEnvelope,
});

const routeKeyPath = '/admin/v1/routes/:key';

/**
 * `GET /admin/v1/openapi.json`: the receiver's admin API (inbound routes, their recent deliveries,
 * dead letters), from the same zod schemas the handlers validate with. The console's client for it
 * is generated from this document (`npm run generate:api -w @speaknode/desktop`).
 */
export function buildAdminOpenApiDocument(): Record<string, unknown> {
  const doc = new OpenApiBuilder(
    {
      title: 'Speaknode webhook receiver admin API',
      version: '1.0.0',
      description:
        'Inbound webhook routes (`POST /in/{key}` on the receiver), their recent deliveries, and dead letters. ' +
        "Every request carries `Authorization: Bearer <OIDC access token>`; the caller's role in the route's space comes from control. " +
        'Errors are RFC 9457 problem details.',
    },
    'An OIDC access token from the platform issuer (the one control accepts)',
  );
  doc.component('InboundRoute', InboundRouteView);
  doc.component('InboundRouteInput', InboundRouteInput, 'input');
  doc.component('InboundRoutePatch', InboundRoutePatch, 'input');
  doc.component('RouteDelivery', RouteDelivery);
  doc.component('DeadLetter', DeadLetterView);
  const tags = ['inbound routes'];

  doc.add('get', '/admin/v1/routes', {
    operationId: 'listInboundRoutes',
    summary: "A space's inbound routes (every space's for the platform admin role without spaceId)",
    tags,
    query: z.object({ spaceId: z.uuid().optional() }),
    responses: { 200: { description: 'The routes, by key', schema: z.object({ items: z.array(InboundRouteView) }) } },
  });
  doc.add('post', '/admin/v1/routes', {
    operationId: 'createInboundRoute',
    summary: 'Create a route (admin or owner of its space)',
    tags,
    body: InboundRouteInput,
    responses: {
      201: { description: 'Created', schema: InboundRouteView },
      409: { description: 'The key is taken (keys are global)' },
    },
  });
  doc.add('get', routeKeyPath, {
    operationId: 'getInboundRoute',
    summary: 'One route',
    tags,
    responses: { 200: { description: 'The route', schema: InboundRouteView } },
  });
  doc.add('patch', routeKeyPath, {
    operationId: 'updateInboundRoute',
    summary: 'Change a route: only the fields given change (admin or owner)',
    tags,
    body: InboundRoutePatch,
    responses: { 200: { description: 'The route as changed', schema: InboundRouteView } },
  });
  doc.add('delete', routeKeyPath, {
    operationId: 'deleteInboundRoute',
    summary: 'Delete a route (admin or owner)',
    tags,
    responses: { 204: { description: 'Deleted' } },
  });
  doc.add('get', `${routeKeyPath}/deliveries`, {
    operationId: 'listInboundRouteDeliveries',
    summary: "The route's last requests, newest first (this receiver's memory: up to 50, since it started)",
    tags,
    responses: {
      200: { description: 'Recent deliveries', schema: z.object({ items: z.array(RouteDelivery) }) },
    },
  });

  const deadTags = ['dead letters'];
  doc.add('get', '/admin/v1/dead-letters', {
    operationId: 'listDeadLetters',
    summary: 'Events the bus refused as invalid (platform admin role only)',
    tags: deadTags,
    responses: {
      200: {
        description: 'Dead letters',
        schema: z.object({ count: z.number().int(), items: z.array(DeadLetterView) }),
      },
    },
  });
  doc.add('get', '/admin/v1/dead-letters/:id', {
    operationId: 'getDeadLetter',
    summary: 'One dead letter',
    tags: deadTags,
    responses: { 200: { description: 'The dead letter', schema: DeadLetterView } },
  });
  doc.add('post', '/admin/v1/dead-letters/:id/replay', {
    operationId: 'replayDeadLetter',
    summary: 'Put it back into the spool, behind what is queued',
    tags: deadTags,
    responses: { 202: { description: 'Queued again', schema: z.object({ replayed: z.string() }) } },
  });
  doc.add('delete', '/admin/v1/dead-letters/:id', {
    operationId: 'discardDeadLetter',
    summary: 'Discard it',
    tags: deadTags,
    responses: { 204: { description: 'Discarded' } },
  });
  return doc.document();
}
