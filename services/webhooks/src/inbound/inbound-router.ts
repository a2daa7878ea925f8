import { createEvent, InboundWebhookReceived } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { type Request, Router } from 'express';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
import { BadBodyError, isJsonType, isTextualType, MAX_BODY_BYTES, parseJsonBody } from '../request-body.ts';
import { idPart, sha256Hex } from '../stable-ids.ts';
import { checkRouteAuth } from './route-auth.ts';
import { type InboundRoute, RouteKey } from './route-definition.ts';
import type { RouteDeliveries, RouteDelivery } from './route-deliveries.ts';
import type { RouteStore } from './route-store.ts';
import { matchRule, scalarAt, transformBody } from './routing-rules.ts';

type DeliveryNote = Pick<RouteDelivery, 'status' | 'outcome'> & Partial<RouteDelivery>;

/**
 * `POST /in/{routeKey}` for admin-configured senders: the route's auth, then its rules pick the
 * topic (first match wins) and shape the event. The event id comes from the sender's own id
 * (the rule's `idPath`, or a `webhook-id` / `idempotency-key` header), else from the body's hash.
 * Every request to an existing route is noted in `deliveries` (the console's recent deliveries).
 */
export function inboundRouter(options: {
  routes: RouteStore;
  intake: EventIntake;
  deliveries?: RouteDeliveries;
}): Router {
  const router = Router();
  router.post('/:routeKey', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
    const key = String(req.params.routeKey);
    if (!RouteKey.safeParse(key).success) throw HttpProblem.notFound(`no inbound route "${key.slice(0, 64)}"`);
    let route: InboundRoute | null;
    try {
      route = await options.routes.find(key);
    } catch (error) {
      throw HttpProblem.unavailable(`inbound routes cannot be read right now: ${(error as Error).message}`, 5);
    }
    if (!route?.enabled) throw HttpProblem.notFound(`no inbound route "${key}"`);

    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const note = (entry: DeliveryNote) =>
      options.deliveries?.record(key, {
        at: new Date().toISOString(),
        contentType: req.header('content-type')?.slice(0, 200) ?? null,
        bytes: raw.length,
        rule: null,
        topic: null,
        eventId: null,
        detail: null,
        ...entry,
      });
    try {
      const answer = await deliver(route, req, raw);
      note(answer.note);
      res.status(202).json(answer.body);
    } catch (error) {
      const status = error instanceof HttpProblem || error instanceof BadBodyError ? error.status : 500;
      note({
        status,
        outcome: status === 401 || status === 403 ? 'unauthorized' : status >= 500 ? 'failed' : 'refused',
        detail:
          error instanceof HttpProblem
            ? (error.detail ?? error.title)
            : error instanceof BadBodyError
              ? error.message
              : 'the receiver failed',
      });
      throw error;
    }
  });

  async function deliver(
    route: InboundRoute,
    req: Request,
    raw: Buffer,
  ): Promise<{ body: Record<string, unknown>; note: DeliveryNote }> {
    const key = route.key;
    const auth = checkRouteAuth(route.auth, req.headers, raw);
    if (!auth.ok) {
      throw new HttpProblem(auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden', auth.detail);
    }

    const declaredType = req.header('content-type');
    if (!isTextualType(declaredType)) {
      throw new HttpProblem(
        415,
        'Unsupported Media Type',
        `an inbound route takes JSON, forms, XML or text, not ${declaredType?.slice(0, 100)}`,
      );
    }
    const contentType = declaredType ?? 'application/octet-stream';
    const bodyIsJson = isJsonType(contentType);
    let body: unknown;
    if (bodyIsJson) {
      body = parseJsonBody(raw, 'the body (labelled JSON)');
    } else {
      body = raw.toString('utf8');
    }

    const rule = matchRule(route.rules, body, bodyIsJson);
    if (!rule) {
      const reason = 'no routing rule of this route matches the request';
      return { body: { accepted: false, reason }, note: { status: 202, outcome: 'no_rule', detail: reason } };
    }
    const senderId =
      scalarAt(body, rule.transform.idPath) ?? req.header('webhook-id') ?? req.header('idempotency-key') ?? undefined;
    const subject = scalarAt(body, rule.transform.subjectPath);
    const event = createEvent(InboundWebhookReceived, {
      id: `inbound:${key}:${senderId ? idPart(senderId) : `h${sha256Hex(raw).slice(0, 32)}`}`,
      source: 'webhooks',
      spaceId: route.spaceId,
      ...(subject ? { subject } : {}),
      data: { routeKey: key, rule: rule.name, contentType, body: transformBody(rule, body, bodyIsJson) },
    });
    let accepted: { id: string };
    try {
      accepted = await options.intake.accept(rule.topic, event);
    } catch (error) {
      throw intakeProblem(error);
    }
    return {
      body: { accepted: true, id: accepted.id, rule: rule.name, topic: rule.topic },
      note: { status: 202, outcome: 'accepted', rule: rule.name, topic: rule.topic, eventId: accepted.id },
    };
  }
  return router;
}
