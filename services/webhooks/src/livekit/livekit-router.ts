import { createEvent, LivekitWebhook, Topics } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { Router } from 'express';
import { WebhookReceiver } from 'livekit-server-sdk';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
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
  router.post('/', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!receiver) {
      throw HttpProblem.unavailable('LiveKit webhooks need LIVEKIT_API_KEY and LIVEKIT_API_SECRET to be configured');
    }
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
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
