import {
  CallTranscriptReady,
  CallUsage,
  ParticipantTokenRequest,
  type SessionGrant,
  TranscriptAppend,
  UsageUpdated,
} from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { jsonBodyOf } from '../app.ts';
import { requireService } from '../auth/principal.ts';
import { isUuid } from '../auth/space-access.ts';
import { Conversations } from '../conversations/conversations.ts';
import { inWriteTransaction } from '../http/write.ts';
import { createParticipantToken } from '../livekit/participant-token.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { type CallRow, callById } from './call-records.ts';

async function findCall(pool: import('pg').Pool, callId: string, waitMs = 0): Promise<CallRow> {
  if (!isUuid(callId)) throw HttpProblem.notFound(`no call ${callId}`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const call = await callById(pool, callId);
    if (call) return call;
    if (Date.now() >= deadline) throw HttpProblem.notFound(`no call ${callId}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The bridge can ask for a phone call's token before control has consumed the receiver's
 * incoming-call event that creates the call (the media stream connects within a second): wait a little.
 */
export const CALL_APPEAR_WAIT_MS = 3_000;

/**
 * Internal endpoints of the conversation (contracts' internal-api.ts): a participant token for the
 * media bridge joining as the caller, the transcript and the final usage from the agent worker.
 */
export const conversationInternalRoutes: RouteModule = {
  name: 'conversations-internal',
  mount: 'internal',
  router(ctx) {
    const router = Router();

    router.post('/calls/:callId/participant-token', requireService('service:bridge'), async (req, res) => {
      const input = parseOrProblem(ParticipantTokenRequest.strict(), jsonBodyOf(req.body));
      const call = await findCall(ctx.pool, String(req.params.callId), CALL_APPEAR_WAIT_MS);
      if (call.status === 'ended' || call.status === 'failed') {
        throw HttpProblem.conflict(`call ${call.id} has ${call.status}; no one can join its room any more`);
      }
      const livekit = Conversations.of(ctx).livekit;
      if (!livekit) throw HttpProblem.unavailable('LiveKit is not configured (LIVEKIT_URL)');
      const token = await createParticipantToken(livekit.credentials, {
        roomName: call.room_name,
        identity: input.identity,
        ...(input.name ? { name: input.name } : {}),
        attributes: input.attributes,
      });
      const grant: SessionGrant = { callId: call.id, serverUrl: livekit.clientUrl, token };
      res.json(grant);
    });

    router.post('/calls/:callId/transcript', requireService('service:agent'), async (req, res) => {
      const callId = String(req.params.callId);
      await findCall(ctx.pool, callId);
      const input = parseOrProblem(TranscriptAppend.strict(), jsonBodyOf(req.body));
      await inWriteTransaction(ctx, async (client) => {
        const call = (await client.query<CallRow>('SELECT * FROM calls WHERE id = $1 FOR UPDATE', [callId])).rows[0]!;
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM call_transcript_turns WHERE call_id = $1',
          [callId],
        );
        const next = rows[0]!.n;
        if (input.sequence > next) {
          throw HttpProblem.conflict(
            `the transcript has ${next} turns; post sequence ${next} next, not ${input.sequence}`,
          );
        }
        let added = 0;
        for (const [offset, turn] of input.turns.entries()) {
          const inserted = await client.query(
            'INSERT INTO call_transcript_turns (call_id, sequence, turn) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [callId, input.sequence + offset, JSON.stringify(turn)],
          );
          added += inserted.rowCount ?? 0;
        }
        // Turns that arrive after the call ended complete a transcript subscribers were already told about.
        if (added > 0 && (call.status === 'ended' || call.status === 'failed')) {
          await writeOutboxEvent(client, CallTranscriptReady, {
            spaceId: call.space_id,
            subject: callId,
            data: { callId, agentId: call.agent_id, channel: call.channel, turns: next + added },
          });
        }
      });
      res.status(204).end();
    });

    router.post('/calls/:callId/usage', requireService('service:agent'), async (req, res) => {
      const callId = String(req.params.callId);
      const call = await findCall(ctx.pool, callId);
      const usage = parseOrProblem(CallUsage.strict(), jsonBodyOf(req.body));
      await inWriteTransaction(ctx, async (client) => {
        const inserted = await client.query(
          `INSERT INTO call_usage (call_id, space_id, agent_id, usage) VALUES ($1, $2, $3, $4)
           ON CONFLICT (call_id) DO NOTHING`,
          [callId, call.space_id, call.agent_id, JSON.stringify(usage)],
        );
        if (!inserted.rowCount) {
          const { rows } = await client.query<{ usage: unknown }>('SELECT usage FROM call_usage WHERE call_id = $1', [
            callId,
          ]);
          if (JSON.stringify(CallUsage.parse(rows[0]!.usage)) === JSON.stringify(usage)) return; // a retried post
          throw HttpProblem.conflict(`the usage of call ${callId} was already reported with other figures`);
        }
        await writeOutboxEvent(client, UsageUpdated, {
          spaceId: call.space_id,
          subject: callId,
          data: { callId, agentId: call.agent_id, usage },
        });
      });
      res.status(204).end();
    });

    return router;
  },
};
