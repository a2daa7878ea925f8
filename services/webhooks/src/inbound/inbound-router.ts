import { createEvent, InboundWebhookReceived } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { Router } from 'express';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
import { isJsonType, isTextualType, MAX_BODY_BYTES, parseJsonBody } from '../request-body.ts';
import { idPart, sha256Hex } from '../stable-ids.ts';
import { checkRouteAuth } from './route-auth.ts';
import { RouteKey } from './route-definition.ts';
import type { RouteStore } from './route-store.ts';
import { matchRule, scalarAt, transformBody } from './routing-rules.ts';

/**
 * `POST /in/{routeKey}` for admin-configured senders: the route's auth, then its rules pick the
 * topic (first match wins) and shape the event. The event id comes from the sender's own id
 * (the rule's `idPath`, or a `webhook-id` / `idempotency-key` header), else from the body's hash.
 */
export function inboundRouter(options: { routes: RouteStore; intake: EventIntake }): Router {
  const router = Router();
  router.post('/:routeKey', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
    const key = String(req.params.routeKey);
    if (!RouteKey.safeParse(key).success) throw HttpProblem.notFound(`no inbound route "${key.slice(0, 64)}"`);
    let route: Awaited<ReturnType<RouteStore['find']>>;
    try {
      route = await options.routes.find(key);
    } catch (error) {
      throw HttpProblem.unavailable(`inbound routes cannot be read right now: ${(error as Error).message}`, 5);
    }
    if (!route?.enabled) throw HttpProblem.notFound(`no inbound route "${key}"`);

    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
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
      res.status(202).json({ accepted: false, reason: 'no routing rule of this route matches the request' });
      return;
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
    res.status(202).json({ accepted: true, id: accepted.id, rule: rule.name, topic: rule.topic });
  });
  return router;
}
