import { Id, ListQuery, pageOf, Timestamp } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { isUuid, spaceOf } from '../auth/space-access.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { isoNow } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';

const AuditResource = z.enum([
  'space',
  'member',
  'agent',
  'tool',
  'phone_number',
  'credential',
  'webhook',
  'api_key',
  'campaign',
]);

export const AuditEntry = z.object({
  id: Id,
  spaceId: Id,
  actor: z.object({
    type: z.enum(['user', 'api_key', 'service']),
    id: z.string(),
    label: z.string(),
    role: z.string().nullable(),
  }),
  action: z.enum(['created', 'updated', 'deleted']),
  resource: AuditResource,
  resourceId: z.string(),
  /** Snapshots as the API returns them, secret-looking values masked as `***`. */
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  createdAt: Timestamp,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

interface AuditRow {
  id: string;
  space_id: string;
  actor_type: AuditEntry['actor']['type'];
  actor_id: string;
  actor_label: string;
  actor_role: string | null;
  action: AuditEntry['action'];
  resource: AuditEntry['resource'];
  resource_id: string;
  before: unknown;
  after: unknown;
  created_at: Date;
  cursor_at: string;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    spaceId: row.space_id,
    actor: { type: row.actor_type, id: row.actor_id, label: row.actor_label, role: row.actor_role },
    action: row.action,
    resource: row.resource,
    resourceId: row.resource_id,
    before: row.before ?? null,
    after: row.after ?? null,
    createdAt: isoNow(row.created_at),
  };
}

const AuditFilters = {
  resource: AuditResource.optional(),
  resourceId: z.string().max(200).optional(),
  action: z.enum(['created', 'updated', 'deleted']).optional(),
};

/** The space's audit log, newest first: who changed what, when, before and after. */
export const auditRoutes: RouteModule = {
  name: 'audit',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/audit', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, AuditFilters);
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      for (const [column, value] of [
        ['resource', query.resource],
        ['resource_id', query.resourceId],
        ['action', query.action],
      ] as const) {
        if (value) {
          params.push(value);
          conditions.push(`${column} = $${params.length}`);
        }
      }
      const sql = pageSql('audit_log', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<AuditRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toEntry));
    });
    router.get('/audit/:entryId', async (req, res) => {
      const access = spaceOf(res);
      const id = req.params.entryId;
      const { rows } = isUuid(id)
        ? await ctx.pool.query<AuditRow>(
            'SELECT *, created_at::text AS cursor_at FROM audit_log WHERE space_id = $1 AND id = $2',
            [access.spaceId, id],
          )
        : { rows: [] };
      if (!rows[0]) throw HttpProblem.notFound(`no audit entry ${id}`);
      res.json(toEntry(rows[0]));
    });
    return router;
  },
  openapi(doc) {
    doc.component('AuditEntry', AuditEntry);
    doc.add('get', '/api/v1/spaces/:spaceId/audit', {
      operationId: 'listAudit',
      summary: 'The audit log of the space, newest first',
      tags: ['audit'],
      query: ListQuery.extend(AuditFilters),
      responses: { 200: { description: 'A page of audit entries', schema: pageOf(AuditEntry) } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/audit/:entryId', {
      operationId: 'getAuditEntry',
      summary: 'One audit entry',
      tags: ['audit'],
      responses: { 200: { description: 'The entry', schema: AuditEntry } },
    });
  },
};
