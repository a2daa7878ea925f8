import {
  type CallScope,
  type CallSummary,
  CallUpdate,
  CallUsage,
  CallUsageReport,
  ParticipantTokenRequest,
  type SessionGrant,
  type SipCallAnswer,
  SipCallRequest,
  TranscriptAppend,
  UsageUpdated,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Response, Router } from 'express';
import type pg from 'pg';
import { principalOf, requireService } from '../auth/principal.ts';
import { isUuid } from '../auth/space-access.ts';
import { parseWrite } from '../http/merge-patch.ts';
import { inWriteTransaction } from '../http/write.ts';
import { createParticipantToken } from '../livekit/participant-token.ts';
import { variablesOfCall } from '../outbound/call-variables.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { type CallRow, findCall, isFinished } from './call-store.ts';
import { announceTranscript, moveCall } from './call-transitions.ts';
import { sipCallerCall } from './sip-callers.ts';

/**
 * The bridge can ask for a phone call's token before control has consumed the receiver's
 * incoming-call event that creates the call (the media stream connects within a second): wait a little.
 */
export const CALL_APPEAR_WAIT_MS = 3_000;

async function waitForCall(pool: pg.Pool, callId: string, waitMs: number): Promise<CallRow> {
  if (!isUuid(callId)) throw HttpProblem.notFound(`no call ${callId}`);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const call = await findCall(pool, callId);
    if (call) return call;
    if (Date.now() >= deadline) throw HttpProblem.notFound(`no call ${callId}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Control's internal API for a call (contracts' internal-api.ts): its summary, status updates,
 * the transcript and the final usage from the agent worker, a participant token for the media
 * bridge joining as the caller. Status updates go through `moveCall`, like every other path.
 */
export const callInternalRoutes: RouteModule = {
  name: 'calls-internal',
  mount: 'internal',
  router(ctx) {
    const router = Router();

    router.get(
      '/calls/:callId',
      requireService('service:webhooks', 'service:bridge', 'service:agent'),
      async (req, res) => {
        const call = await findCall(ctx.pool, String(req.params.callId));
        if (!call) throw HttpProblem.notFound(`no call ${req.params.callId}`);
        const summary: CallSummary = {
          callId: call.id,
          spaceId: call.space_id,
          agentId: call.agent_id,
          channel: call.channel,
          status: call.status,
          roomName: call.room_name,
          fromNumber: call.from_number,
          toNumber: call.to_number,
          provider: call.provider,
          variables: await variablesOfCall(ctx.pool, call),
        };
        res.json(summary);
      },
    );

    // The agent a SIP number's dispatch rule sent into a caller's room: which call is this?
    router.post('/sip-calls', requireService('service:agent'), async (req, res) => {
      const request = parseWrite(SipCallRequest.strict(), req.body);
      const call = await sipCallerCall(ctx.pool, ctx.callInserter, request, {
        spaceId: request.spaceId,
        agentId: request.agentId,
      });
      if (!call) throw HttpProblem.notFound(`no SIP number of agent ${request.agentId} has room ${request.roomName}`);
      const answer: SipCallAnswer = { callId: call.id };
      res.json(answer);
    });

    router.post(
      '/calls/:callId/updates',
      requireService('service:webhooks', 'service:bridge', 'service:agent'),
      async (req, res) => {
        const update = parseWrite(CallUpdate.strict(), req.body);
        const callId = String(req.params.callId);
        await assertCallInScope(ctx.pool, res, callId, update);
        // The agent worker posts every turn before it reports the end, so its end completes the transcript.
        const fromAgent = isAgentWorker(res);
        const result = await inWriteTransaction(ctx, (client) =>
          moveCall(client, callId, {
            ...(update.status ? { to: update.status } : {}),
            endReason: update.endReason ?? null,
            failureReason: update.failureReason ?? null,
            providerCallId: update.providerCallId ?? null,
            transcriptComplete: fromAgent,
          }),
        );
        if (result.outcome === 'missing') throw HttpProblem.notFound(`no call ${callId}`);
        if (result.outcome === 'refused') throw HttpProblem.conflict(result.reason);
        res.status(204).end();
      },
    );

    router.post('/calls/:callId/transcript', requireService('service:agent'), async (req, res) => {
      const callId = String(req.params.callId);
      const input = parseWrite(TranscriptAppend.strict(), req.body);
      await assertCallInScope(ctx.pool, res, callId, input);
      await inWriteTransaction(ctx, async (client) => {
        await findCall(client, callId, { lock: true });
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
        for (const [offset, turn] of input.turns.entries()) {
          await client.query(
            'INSERT INTO call_transcript_turns (call_id, sequence, turn) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [callId, input.sequence + offset, JSON.stringify(turn)],
          );
        }
      });
      res.status(204).end();
    });

    router.post('/calls/:callId/usage', requireService('service:agent'), async (req, res) => {
      const callId = String(req.params.callId);
      const { spaceId, agentId, ...usage } = parseWrite(CallUsageReport.strict(), req.body);
      const call = await assertCallInScope(ctx.pool, res, callId, { spaceId, agentId });
      await inWriteTransaction(ctx, async (client) => {
        const locked = (await findCall(client, callId, { lock: true }))!;
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
        // The agent reports usage last, after its transcript: a call that has ended has all its turns now.
        if (isFinished(locked)) await announceTranscript(client, locked);
      });
      res.status(204).end();
    });

    router.post('/calls/:callId/participant-token', requireService('service:bridge'), async (req, res) => {
      const input = parseWrite(ParticipantTokenRequest.strict(), req.body);
      const call = await waitForCall(ctx.pool, String(req.params.callId), CALL_APPEAR_WAIT_MS);
      if (isFinished(call)) {
        throw HttpProblem.conflict(`call ${call.id} has ${call.status}; no one can join its room any more`);
      }
      const livekit = ctx.livekit;
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

    return router;
  },
};

/**
 * The call, when it is the call of the space and agent the caller acts for (`CallScope`); 404
 * otherwise, exactly like a missing call. The agent worker must name both (its dispatch's).
 */
async function assertCallInScope(
  pool: pg.Pool,
  res: Response,
  callId: string,
  scope: Partial<CallScope>,
): Promise<CallRow> {
  if (isAgentWorker(res) && (!scope.spaceId || !scope.agentId)) {
    const missing = (['spaceId', 'agentId'] as const).filter((field) => !scope[field]);
    throw HttpProblem.badRequest(
      `the agent worker names the space and agent of its dispatch: ${missing.join(' and ')} missing`,
      missing.map((path) => ({ path, message: 'is required from the agent worker' })),
    );
  }
  const call = await findCall(pool, callId, {
    ...(scope.spaceId ? { spaceId: scope.spaceId } : {}),
    ...(scope.agentId ? { agentId: scope.agentId } : {}),
  });
  if (!call) throw HttpProblem.notFound(`no call ${callId}`);
  return call;
}

function isAgentWorker(res: Response): boolean {
  const principal = principalOf(res);
  return principal.kind === 'service' && principal.roles.includes('service:agent');
}
