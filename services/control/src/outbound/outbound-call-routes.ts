import { Call, DoNotCallEntry, DoNotCallInput, OutboundCallInput } from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, spaceOf } from '../auth/space-access.ts';
import { type CallRow, findCall, toCall } from '../calls/call-store.ts';
import { jsonBodyOf } from '../http/json-body.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { dialableE164 } from './called-number.ts';
import { type DoNotCallRow, toDoNotCallEntry } from './do-not-call.ts';
import { OutboundCallKeys } from './idempotency-keys.ts';
import { OutboundCalls } from './outbound-calls.ts';

/** The most entries `GET /do-not-call` returns. */
const DO_NOT_CALL_PAGE = 10_000;

/**
 * Outbound calls (`POST /calls`, editor and up) and the space's do-not-call list (viewers read it,
 * editors change it). The call list and call details are the calls module's.
 */
export const outboundCallRoutes: RouteModule = {
  name: 'outbound-calls',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    const outbound = new OutboundCalls(ctx);
    const keys = new OutboundCallKeys(ctx.pool);

    router.post('/calls', async (req, res) => {
      const access = requireRole(res, 'editor');
      const key = OutboundCallKeys.parse(req.header('idempotency-key'));
      const input = parseOrProblem(OutboundCallInput, jsonBodyOf(req.body));
      if (key) {
        const claim = await keys.claim(access.spaceId, key, input);
        if (claim.kind === 'done') {
          const placed = await findCall(ctx.pool, claim.callId, { spaceId: access.spaceId });
          if (placed) {
            res.status(200).location(`${req.baseUrl}/calls/${placed.id}`).json(toCall(placed));
            return;
          }
        }
      }
      let call: CallRow;
      try {
        call = await outbound.place(access.spaceId, input);
      } catch (error) {
        // A call that was created and then failed is the answer to every repeat; otherwise the key is free.
        const callId = error instanceof HttpProblem ? error.extra.callId : undefined;
        if (key && typeof callId === 'string') await keys.settle(access.spaceId, key, callId);
        else if (key) await keys.release(access.spaceId, key);
        throw error;
      }
      if (key) await keys.settle(access.spaceId, key, call.id);
      res.status(201).location(`${req.baseUrl}/calls/${call.id}`).json(toCall(call));
    });

    router.get('/do-not-call', async (_req, res) => {
      const { rows } = await ctx.pool.query<DoNotCallRow>(
        'SELECT * FROM do_not_call WHERE space_id = $1 ORDER BY number LIMIT $2',
        [spaceOf(res).spaceId, DO_NOT_CALL_PAGE],
      );
      res.json({ items: rows.map(toDoNotCallEntry) });
    });

    router.post('/do-not-call', async (req, res) => {
      const access = requireRole(res, 'editor');
      const input = parseOrProblem(DoNotCallInput, jsonBodyOf(req.body));
      const number = dialableE164(input.number);
      if (!number) {
        throw new HttpProblem(
          422,
          'Unprocessable Content',
          `${input.number} is not a valid phone number in international form`,
          {
            errors: [{ path: 'number', message: 'must be a valid number with + and country code' }],
          },
        );
      }
      const inserted = await ctx.pool.query<DoNotCallRow>(
        `INSERT INTO do_not_call (space_id, number, reason) VALUES ($1, $2, $3)
         ON CONFLICT (space_id, number) DO NOTHING RETURNING *`,
        [access.spaceId, number, input.reason ?? null],
      );
      if (inserted.rows[0]) {
        res.status(201).json(toDoNotCallEntry(inserted.rows[0]));
        return;
      }
      const existing = await ctx.pool.query<DoNotCallRow>(
        'SELECT * FROM do_not_call WHERE space_id = $1 AND number = $2',
        [access.spaceId, number],
      );
      res.status(200).json(toDoNotCallEntry(existing.rows[0]!));
    });

    router.delete('/do-not-call/:number', async (req, res) => {
      const access = requireRole(res, 'editor');
      const number = dialableE164(String(req.params.number)) ?? String(req.params.number);
      const deleted = await ctx.pool.query('DELETE FROM do_not_call WHERE space_id = $1 AND number = $2', [
        access.spaceId,
        number,
      ]);
      if (!deleted.rowCount) throw HttpProblem.notFound(`${number} is not on this space's do-not-call list`);
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['calls'];
    doc.component('OutboundCallInput', OutboundCallInput);
    doc.add('post', '/api/v1/spaces/:spaceId/calls', {
      operationId: 'createOutboundCall',
      summary:
        "The agent calls a number from one of the space's numbers (editor); the call then runs like any other. 422 for a number that is not valid, on the do-not-call list, or a {{variable}} the agent needs and the request lacks. An Idempotency-Key header makes a retry return the first request's call instead of dialling again",
      tags,
      body: OutboundCallInput,
      responses: {
        201: { description: 'The call, dialling', schema: Call },
        200: { description: 'A repeat with the same Idempotency-Key: the call the first request placed', schema: Call },
      },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/do-not-call', {
      operationId: 'listDoNotCall',
      summary: 'Numbers this space never calls',
      tags,
      responses: { 200: { description: 'The list', schema: z.object({ items: z.array(DoNotCallEntry) }) } },
    });
    doc.add('post', '/api/v1/spaces/:spaceId/do-not-call', {
      operationId: 'addDoNotCall',
      summary: 'Adds a number to the do-not-call list (editor); adding it again changes nothing',
      tags,
      body: DoNotCallInput,
      responses: {
        201: { description: 'Added', schema: DoNotCallEntry },
        200: { description: 'Already on the list', schema: DoNotCallEntry },
      },
    });
    doc.add('delete', '/api/v1/spaces/:spaceId/do-not-call/:number', {
      operationId: 'removeDoNotCall',
      summary: 'Takes a number off the do-not-call list (editor)',
      tags,
      responses: { 204: { description: 'Removed' } },
    });
  },
};
