import { createHash } from 'node:crypto';
import { createEvent, LivekitWebhook, Topics } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { Router } from 'express';
import { TokenVerifier, WebhookReceiver } from 'livekit-server-sdk';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
import { isJsonType, jsonDepthExceeds, MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../request-body.ts';
import { idPart, sha256Hex } from '../stable-ids.ts';

/**
 * LiveKit webhooks (`application/webhook+json`), verified by livekit-server-sdk's WebhookReceiver:
 * the `Authorization` header is a JWT signed with the API secret whose `sha256` claim is the body's hash.
 */
export function livekitRouter(options: {
  apiKey: string | undefined;
  apiSecret: string | undefined;
  intake: EventIntake;
}): Router {
  const router = Router();
  const receiver =
    options.apiKey && options.apiSecret ? new WebhookReceiver(options.apiKey, options.apiSecret) : undefined;
  const verifier =
    options.apiKey && options.apiSecret ? new TokenVerifier(options.apiKey, options.apiSecret) : undefined;
  router.post('/', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
    if (!receiver || !verifier) {
      throw HttpProblem.unavailable('LiveKit webhooks need LIVEKIT_API_KEY and LIVEKIT_API_SECRET to be configured');
    }
    const contentType = req.header('content-type');
    if (contentType && !isJsonType(contentType)) {
      throw new HttpProblem(415, 'Unsupported Media Type', 'LiveKit webhooks are application/webhook+json');
    }
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      // The receiver would hand it to the protobuf decoder; check the signature ourselves, then refuse it.
      if (!(await signedBody(verifier, req.header('authorization'), req.body as Buffer))) {
        throw HttpProblem.forbidden('the LiveKit webhook signature is not valid');
      }
      throw HttpProblem.badRequest(`the LiveKit webhook body is nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    let event: Awaited<ReturnType<WebhookReceiver['receive']>>;
    try {
      event = await receiver.receive(body, req.header('authorization'));
    } catch (error) {
      // The receiver checks the signature before it parses: a parse failure means an authentic but malformed body.
      const message = (error as Error).message ?? '';
      if (error instanceof SyntaxError || /cannot decode|JSON/i.test(message)) {
        throw HttpProblem.badRequest(`the LiveKit webhook body is not a valid WebhookEvent: ${message.slice(0, 200)}`);
      }
      throw HttpProblem.forbidden(`the LiveKit webhook signature is not valid: ${message.slice(0, 200)}`);
    }
    if (!event.event) throw HttpProblem.badRequest('the LiveKit webhook has no event name');
    const payload = event.toJson({ emitDefaultValues: false }) as Record<string, unknown>;
    const roomName = event.room?.name || undefined;
    const envelope = createEvent(LivekitWebhook, {
      id: `livekit:${event.id ? idPart(event.id) : `h${sha256Hex(body).slice(0, 32)}`}`,
      source: 'webhooks',
      ...(roomName ? { subject: roomName } : {}),
      data: {
        event: event.event,
        ...(roomName ? { roomName } : {}),
        ...(event.room?.sid ? { roomSid: event.room.sid } : {}),
        ...(event.participant?.identity ? { participantIdentity: event.participant.identity } : {}),
        ...(event.egressInfo?.egressId ? { egressId: event.egressInfo.egressId } : {}),
        payload,
      },
    });
    let accepted: { id: string };
    try {
      accepted = await options.intake.accept(Topics.webhooksLivekit, envelope);
    } catch (error) {
      throw intakeProblem(error);
    }
    res.status(200).json({ accepted: true, id: accepted.id });
  });
  return router;
}

/** What WebhookReceiver checks: a JWT signed with the API secret whose `sha256` claim is the body's base64 SHA-256. */
async function signedBody(verifier: TokenVerifier, authorization: string | undefined, body: Buffer): Promise<boolean> {
  if (!authorization) return false;
  try {
    const claims = await verifier.verify(authorization);
    return claims.sha256 === createHash('sha256').update(body).digest('base64');
  } catch {
    return false;
  }
}
