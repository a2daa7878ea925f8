import { CallUsage } from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { requireRole, spaceOf } from '../auth/space-access.ts';
import { findCall } from '../calls/call-store.ts';
import { iso } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';

const UsageQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const SpaceUsage = z.object({
  from: z.string(),
  to: z.string(),
  calls: z.number().int(),
  totals: CallUsage,
  byAgent: z.array(z.object({ agentId: z.uuid(), calls: z.number().int(), usage: CallUsage })),
  billing: z.object({
    lagoConfigured: z.boolean(),
    sent: z.number().int(),
    pending: z.number().int(),
    lastError: z.string().nullable(),
  }),
});

const SpaceBilling = z.object({
  lagoConfigured: z.boolean(),
  subscription: z
    .object({
      externalId: z.string(),
      externalCustomerId: z.string(),
      planCode: z.string(),
      planName: z.string().nullable(),
      status: z.string(),
      startedAt: z.string().nullable(),
    })
    .nullable(),
  invoices: z.array(
    z.object({
      id: z.string(),
      number: z.string(),
      issuingDate: z.string(),
      status: z.string(),
      paymentStatus: z.string(),
      totalAmountCents: z.number(),
      currency: z.string(),
      fileUrl: z.string().nullable(),
    }),
  ),
  /** Why Lago could not be read (unreachable, refused the key…); the rest is then empty. */
  error: z.string().nullable(),
});
type SpaceBilling = z.infer<typeof SpaceBilling>;

function numbers(record: Record<string, number | string>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v)]));
}

/** Usage per call and per space (viewer), with the state of its delivery to Lago. */
export const usageRoutes: RouteModule = {
  name: 'usage',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/calls/:callId/usage', async (req, res) => {
      const call = await findCall(ctx.pool, String(req.params.callId), { spaceId: spaceOf(res).spaceId });
      if (!call) throw HttpProblem.notFound(`no call ${req.params.callId}`);
      const usage = await ctx.pool.query<{ usage: unknown; reported_at: Date }>(
        'SELECT usage, reported_at FROM call_usage WHERE call_id = $1',
        [call.id],
      );
      const billing = await ctx.pool.query<{
        code: string;
        status: string;
        attempts: number;
        last_error: string | null;
      }>('SELECT code, status, attempts, last_error FROM lago_events WHERE call_id = $1 ORDER BY code', [call.id]);
      res.json({
        callId: call.id,
        usage: usage.rows[0] ? CallUsage.parse(usage.rows[0].usage) : null,
        reportedAt: iso(usage.rows[0]?.reported_at ?? null),
        billing: billing.rows.map((r) => ({
          metric: r.code,
          status: r.status,
          attempts: r.attempts,
          lastError: r.last_error,
        })),
      });
    });
    router.get('/usage', async (req, res) => {
      const { spaceId } = spaceOf(res);
      const query = parseOrProblem(UsageQuery, req.query, 'query string');
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 86_400_000);
      if (from > to) throw HttpProblem.badRequest('from must be before to', [{ path: 'from', message: 'is after to' }]);
      const { rows } = await ctx.pool.query<{ agent_id: string; calls: number; usage: Record<string, number> }>(
        `SELECT agent_id, count(*)::int AS calls, jsonb_build_object(
           'callSeconds', coalesce(sum((usage->>'callSeconds')::double precision), 0),
           'sttSeconds', coalesce(sum((usage->>'sttSeconds')::double precision), 0),
           'ttsCharacters', coalesce(sum((usage->>'ttsCharacters')::bigint), 0),
           'llmPromptTokens', coalesce(sum((usage->>'llmPromptTokens')::bigint), 0),
           'llmCompletionTokens', coalesce(sum((usage->>'llmCompletionTokens')::bigint), 0),
           'toolCalls', coalesce(sum((usage->>'toolCalls')::bigint), 0)) AS usage
         FROM call_usage WHERE space_id = $1 AND reported_at >= $2 AND reported_at < $3
         GROUP BY agent_id ORDER BY agent_id`,
        [spaceId, from, to],
      );
      const byAgent = rows.map((r) => ({
        agentId: r.agent_id,
        calls: r.calls,
        usage: CallUsage.parse(numbers(r.usage)),
      }));
      const totals = CallUsage.parse({});
      for (const agent of byAgent) {
        for (const key of Object.keys(totals) as (keyof CallUsage)[]) totals[key] += agent.usage[key];
      }
      const billing = await ctx.pool.query<{ status: string; n: number; last_error: string | null }>(
        `SELECT status, count(*)::int AS n, max(last_error) AS last_error FROM lago_events
         WHERE space_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY status`,
        [spaceId, from, to],
      );
      const pending = billing.rows.find((r) => r.status === 'pending');
      res.json({
        from: from.toISOString(),
        to: to.toISOString(),
        calls: byAgent.reduce((n, a) => n + a.calls, 0),
        totals,
        byAgent,
        billing: {
          lagoConfigured: ctx.metering !== null,
          sent: billing.rows.find((r) => r.status === 'sent')?.n ?? 0,
          pending: pending?.n ?? 0,
          lastError: pending?.last_error ?? null,
        },
      });
    });
    // The space's plan and invoices in Lago (admin): its subscription's external id is the space id.
    router.get('/billing', async (_req, res) => {
      const { spaceId } = requireRole(res, 'admin');
      const empty: SpaceBilling = { lagoConfigured: false, subscription: null, invoices: [], error: null };
      if (!ctx.metering) return void res.json(empty);
      try {
        const subscription = await ctx.metering.lago.subscription(spaceId);
        const invoices = subscription ? await ctx.metering.lago.invoices(subscription.externalCustomerId) : [];
        res.json({ ...empty, lagoConfigured: true, subscription, invoices } satisfies SpaceBilling);
      } catch (error) {
        res.json({ ...empty, lagoConfigured: true, error: (error as Error).message } satisfies SpaceBilling);
      }
    });
    return router;
  },
  openapi(doc) {
    const tags = ['usage'];
    doc.add('get', '/api/v1/spaces/:spaceId/calls/:callId/usage', {
      operationId: 'getCallUsage',
      summary: 'Usage of a call and the state of its billing events',
      tags,
      responses: { 200: { description: 'Usage' } },
    });
    doc.component('SpaceUsage', SpaceUsage);
    doc.component('SpaceBilling', SpaceBilling);
    doc.add('get', '/api/v1/spaces/:spaceId/billing', {
      operationId: 'getSpaceBilling',
      summary: 'The space’s plan and latest invoices in Lago, when Lago is configured (admin)',
      tags,
      responses: { 200: { description: 'Plan and invoices', schema: SpaceBilling } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/usage', {
      operationId: 'getSpaceUsage',
      summary: 'Usage of the space between from and to (default: the last 30 days), per agent and in total',
      tags,
      query: UsageQuery,
      responses: { 200: { description: 'Usage', schema: SpaceUsage } },
    });
  },
};
