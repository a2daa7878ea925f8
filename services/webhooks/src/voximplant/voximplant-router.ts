import { createEvent, type EventEnvelope, Topics, VoximplantCallback } from '@speaknode/contracts';
import { callIdForProviderCall } from '@speaknode/contracts/node';
import { HttpProblem } from '@speaknode/runtime/problem';
import express, { Router } from 'express';
import { z } from 'zod';
import { type BridgeStream, bridgeStream } from '../bridge-stream.ts';
import { type EventIntake, intakeProblem } from '../event-intake.ts';
import { isJsonType, MAX_BODY_BYTES, parseJsonBody } from '../request-body.ts';
import { idPart, sha256Hex } from '../stable-ids.ts';
import { type VoximplantAccount, verifyAccountCallback, verifyScenarioCallback } from './voximplant-accounts.ts';

const IdLike = z.union([z.string().min(1).max(100), z.number()]).transform(String);

/** The Management API's account callbacks: `{ "callbacks": [AccountCallback, …] }`. */
const AccountCallbacks = z.object({
  callbacks: z
    .array(
      z.looseObject({
        account_id: IdLike,
        callback_id: IdLike,
        hash: z.string().min(1).max(200),
        type: z.string().min(1).max(100),
      }),
    )
    .min(1)
    .max(1000),
});

/** A VoxEngine scenario's own HTTP request (Net.httpRequestAsync), signed by the scenario. */
const ScenarioCallback = z.looseObject({
  accountId: IdLike,
  event: z.string().min(1).max(100),
  callId: z.string().min(1).max(200).optional(),
  /** The scenario's id for this notification; a retry sends the same one. */
  eventId: z.string().min(1).max(200).optional(),
});

export const SCENARIO_SIGNATURE_HEADER = 'x-speaknode-signature';

export interface VoximplantRouterOptions {
  accounts: Map<string, VoximplantAccount>;
  intake: EventIntake;
  /** The media bridge's public WebSocket URL: where the scenario sends the call's audio. */
  bridgePublicUrl: string;
  /** Signs the `streamToken` the bridge requires (none when unset: trials). */
  streamSecret?: string | undefined;
}

/**
 * `POST /voximplant`: account callbacks (verified by VoxImplant's salted MD5 hash per callback) and
 * VoxEngine scenario callbacks (HMAC-SHA256 of the body with the account's scenario secret). The
 * answer to a scenario's `incoming` callback also tells it where to stream the call (`stream`):
 * the bridge URL, Speaknode's id of the call and the token the bridge asks for.
 */
export function voximplantRouter(options: VoximplantRouterOptions): Router {
  const router = Router();
  router.post('/', express.raw({ type: () => true, limit: MAX_BODY_BYTES }), async (req, res) => {
    const contentType = req.header('content-type');
    if (contentType && !isJsonType(contentType) && !/^text\/plain\s*(?:;|$)/i.test(contentType)) {
      throw new HttpProblem(415, 'Unsupported Media Type', 'VoxImplant callbacks are application/json');
    }
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Both callback kinds say inside the body which account (and so which secret) signed it: parsed first, depth-limited.
    const body = parseJsonBody(raw, 'the VoxImplant callback body');
    const events: EventEnvelope[] = [];
    // What the scenario needs: `call.sendMediaTo(VoxEngine.createWebSocket(url), { customParameters })`.
    let stream: BridgeStream | undefined;
    if (body && typeof body === 'object' && 'callbacks' in body) {
      const parsed = AccountCallbacks.safeParse(body);
      if (!parsed.success)
        throw HttpProblem.badRequest(
          'the account callbacks are not valid: each needs account_id, callback_id, hash and type',
        );
      for (const callback of parsed.data.callbacks) {
        if (!verifyAccountCallback(options.accounts.get(callback.account_id), callback)) {
          throw HttpProblem.forbidden(
            `the hash of callback ${callback.callback_id} does not match account ${callback.account_id}'s salt and API key`,
          );
        }
        const { hash: _hash, ...payload } = callback;
        events.push(
          createEvent(VoximplantCallback, {
            id: `voximplant:${idPart(callback.account_id)}:callback:${idPart(callback.callback_id)}`,
            source: 'webhooks',
            subject: `voximplant-account:${callback.account_id}`,
            data: { accountId: callback.account_id, event: callback.type, payload },
          }),
        );
      }
    } else {
      const parsed = ScenarioCallback.safeParse(body);
      const claimed = (body as { accountId?: unknown } | null)?.accountId;
      const accountId = typeof claimed === 'string' || typeof claimed === 'number' ? String(claimed) : undefined;
      // The signature is checked before the body's shape is judged, so an unsigned sender learns nothing.
      if (
        !verifyScenarioCallback(
          accountId ? options.accounts.get(accountId) : undefined,
          req.header(SCENARIO_SIGNATURE_HEADER),
          raw,
        )
      ) {
        throw HttpProblem.forbidden(
          `the ${SCENARIO_SIGNATURE_HEADER} header is missing or does not match the account's scenario secret`,
        );
      }
      if (!parsed.success) throw HttpProblem.badRequest('a scenario callback needs accountId and event');
      const data = parsed.data;
      if (data.callId && data.event.replace(/^call\./, '') === 'incoming') {
        const callId = callIdForProviderCall('voximplant', data.callId);
        stream = bridgeStream(options.bridgePublicUrl, 'voximplant', callId, options.streamSecret);
      }
      events.push(
        createEvent(VoximplantCallback, {
          id: `voximplant:${idPart(data.accountId)}:scenario:${data.eventId ? idPart(data.eventId) : `h${sha256Hex(raw).slice(0, 32)}`}`,
          source: 'webhooks',
          subject: data.callId ?? `voximplant-account:${data.accountId}`,
          data: {
            accountId: data.accountId,
            event: data.event,
            ...(data.callId ? { callId: data.callId } : {}),
            payload: data as Record<string, unknown>,
          },
        }),
      );
    }
    let ids: string[];
    try {
      ({ ids } = await options.intake.acceptAll(Topics.webhooksVoximplant, events));
    } catch (error) {
      throw intakeProblem(error);
    }
    res.status(200).json({ accepted: events.length, ids, ...(stream ? { stream } : {}) });
  });
  return router;
}
