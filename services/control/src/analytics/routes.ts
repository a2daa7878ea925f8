/**
 * Analytics HTTP surface:
 * - `POST /v1/traces` — OTLP/HTTP (protobuf or JSON) from the agent worker, client-credentials token
 *   with the `service:agent` role; answers ExportTraceServiceResponse, partial success naming how
 *   many spans were refused and why; 429 + Retry-After when the ingest gate is full.
 * - `GET /api/v1/spaces/{spaceId}/analytics` and `…/analytics/calls/{callId}/turns` — viewer and up.
 */
import { AnalyticsQuery, AnalyticsReport, CallTurns } from '@speaknode/contracts';
import { HttpProblem, parseOrProblem } from '@speaknode/runtime/problem';
import express, { Router } from 'express';
import { authenticate, requireService } from '../auth/principal.ts';
import { isUuid, spaceOf } from '../auth/space-access.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { describeRejections } from './ingest.ts';
import { decodeJson, decodeProtobuf, encodeResponse, encodingOf } from './otlp.ts';
import { filterOf, reportOf } from './report.ts';

/** OTLP exporters send up to 512 spans per request; 8 MiB leaves room for large attributes. */
const MAX_PROTOBUF_BYTES = '8mb';

export const otlpIngestRoutes: RouteModule = {
  name: 'analytics-otlp-ingest',
  mount: 'public',
  router(ctx) {
    const router = Router();
    const { analytics } = ctx;
    router.post(
      '/v1/traces',
      authenticate(ctx),
      requireService('service:agent'),
      express.raw({ type: ['application/x-protobuf', 'application/protobuf'], limit: MAX_PROTOBUF_BYTES }),
      async (req, res) => {
        const encoding = encodingOf(req.headers['content-type']);
        if (!encoding) {
          throw new HttpProblem(415, 'Unsupported Media Type', 'send application/x-protobuf or application/json');
        }
        const answer = await analytics.gated(async () => {
          const spans = encoding === 'protobuf' ? decodeProtobuf(bodyBytes(req.body)) : decodeJson(req.body);
          return analytics.ingest.ingest(spans);
        });
        if (!answer) throw HttpProblem.tooManyRequests(analytics.settings.retryAfterSeconds);
        if (answer.rejected > 0) {
          ctx.log.warn('analytics: refused spans', { rejected: answer.rejected, why: describeRejections(answer) });
        }
        const response = encodeResponse(encoding, answer.rejected, describeRejections(answer));
        res.status(200).type(response.contentType).send(response.body);
      },
    );
    return router;
  },
  openapi(doc) {
    doc.add('post', '/v1/traces', {
      operationId: 'exportTraces',
      summary:
        'OTLP/HTTP trace export from the agent worker (application/x-protobuf or application/json; service:agent token). Spans of calls that are not calls of the space they name are refused and counted in partialSuccess.',
      tags: ['analytics'],
      responses: {
        200: { description: 'ExportTraceServiceResponse (partialSuccess when spans were refused)' },
        400: { description: 'Not an OTLP ExportTraceServiceRequest' },
        413: { description: 'Too large' },
        415: { description: 'Neither protobuf nor JSON' },
        429: { description: 'Ingest is busy: retry after Retry-After seconds' },
      },
    });
  },
};

function bodyBytes(body: unknown): Uint8Array {
  if (Buffer.isBuffer(body)) return body;
  throw HttpProblem.badRequest('an OTLP protobuf body is required');
}

export const analyticsRoutes: RouteModule = {
  name: 'analytics',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    const { analytics } = ctx;
    router.get('/analytics', async (req, res) => {
      const { spaceId } = spaceOf(res);
      const query = parseOrProblem(AnalyticsQuery, req.query, 'query');
      const filter = filterOf(spaceId, query);
      res.json(reportOf(analytics.store.source, filter, await analytics.store.report(filter)));
    });
    router.get('/analytics/calls/:callId/turns', async (req, res) => {
      const { spaceId } = spaceOf(res);
      const { callId } = req.params;
      if (!isUuid(callId)) throw HttpProblem.notFound('no such call');
      const { rowCount } = await ctx.pool.query('SELECT 1 FROM calls WHERE id = $1 AND space_id = $2', [
        callId,
        spaceId,
      ]);
      if (!rowCount) throw HttpProblem.notFound('no such call');
      res.json({ source: analytics.store.source, ...(await analytics.store.callTurns(spaceId, callId.toLowerCase())) });
    });
    return router;
  },
  openapi(doc) {
    const tags = ['analytics'];
    doc.add('get', '/api/v1/spaces/:spaceId/analytics', {
      operationId: 'getAnalytics',
      summary:
        'Calls, minutes, outcomes, latency percentiles per stage, interruption and tool error rates, cost by provider and peak concurrency, in total and per hour or day (viewer and up)',
      tags,
      query: AnalyticsQuery,
      responses: { 200: { description: 'The analytics of the range', schema: AnalyticsReport } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/analytics/calls/:callId/turns', {
      operationId: 'getCallTurns',
      summary: "One call's turn waterfall: EOU → STT → LLM → TTS per turn, tool calls, providers (viewer and up)",
      tags,
      responses: { 200: { description: 'The turns of the call', schema: CallTurns } },
    });
  },
};

export const analyticsModules: RouteModule[] = [otlpIngestRoutes, analyticsRoutes];
