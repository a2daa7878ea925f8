import {
  ListQuery,
  Member,
  MemberInput,
  MemberUpdate,
  pageOf,
  type Role,
  Space,
  SpaceInput,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import { z } from 'zod';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { forgetMemberships, isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import type { ControlContext } from '../context.ts';
import { parseMergePatch, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, isoNow } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';

interface SpaceRow {
  id: string;
  name: string;
  tool_host_allow_list: string[];
  webhook_host_allow_list: string[];
  created_at: Date;
  updated_at: Date;
  role?: Role;
  cursor_at: string;
}

function toSpace(row: SpaceRow, role?: Role): Space {
  return {
    id: row.id,
    name: row.name,
    toolHostAllowList: row.tool_host_allow_list,
    webhookHostAllowList: row.webhook_host_allow_list,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
    ...((role ?? row.role) ? { role: role ?? row.role } : {}),
  };
}

/** The writable fields of a stored space: what a PATCH merges into. */
const writableSpace = (row: SpaceRow): SpaceInput => ({
  name: row.name,
  toolHostAllowList: row.tool_host_allow_list,
  webhookHostAllowList: row.webhook_host_allow_list,
});

/** `/api/v1/spaces`: the caller's spaces, and creating one (its creator becomes its owner). */
export const spaceListRoutes: RouteModule = {
  name: 'spaces',
  mount: 'api',
  router(ctx) {
    const router = Router();
    router.get('/spaces', async (req, res) => {
      const principal = principalOf(res);
      const query = parseListQuery(req.query, {});
      const conditions: string[] = [];
      const params: unknown[] = [];
      let table: string;
      if (principal.kind === 'user') {
        params.push(principal.userId);
        table = '(SELECT s.*, m.role FROM spaces s JOIN members m ON m.space_id = s.id WHERE m.user_id = $1) AS t';
      } else if (principal.kind === 'api_key') {
        params.push(principal.spaceId, principal.role);
        table = '(SELECT s.*, $2::text AS role FROM spaces s WHERE s.id = $1) AS t';
      } else {
        throw HttpProblem.forbidden();
      }
      const sql = pageSql(table, '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<SpaceRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, (row) => toSpace(row)));
    });

    router.post('/spaces', async (req, res) => {
      const principal = principalOf(res);
      if (principal.kind !== 'user') {
        throw HttpProblem.forbidden('API keys act inside their space; create spaces with a user token');
      }
      const input = parseWrite(SpaceInput.strict(), req.body);
      const id = crypto.randomUUID();
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<SpaceRow>(
          `INSERT INTO spaces (id, name, tool_host_allow_list, webhook_host_allow_list) VALUES ($1, $2, $3, $4)
           RETURNING *, created_at::text AS cursor_at`,
          [id, input.name, JSON.stringify(input.toolHostAllowList), JSON.stringify(input.webhookHostAllowList)],
        );
        // The creator's address comes from their own token (users.email), the only source of it.
        await client.query(
          "INSERT INTO members (space_id, user_id, role, email) SELECT $1, id, 'owner', email FROM users WHERE id = $2",
          [id, principal.userId],
        );
        const space = toSpace(rows[0]!, 'owner');
        await recordChange(client, {
          principal,
          role: 'owner',
          spaceId: id,
          resource: 'space',
          resourceId: id,
          action: 'created',
          after: space,
        });
        return rows[0]!;
      });
      res.status(201).location(`/api/v1/spaces/${id}`).json(toSpace(row, 'owner'));
    });
    return router;
  },
  openapi(doc) {
    doc.component('Space', Space);
    doc.component('SpaceInput', SpaceInput, 'input');
    doc.add('get', '/api/v1/spaces', {
      operationId: 'listSpaces',
      summary: 'The spaces the caller is a member of (an API key: its own space)',
      tags: ['spaces'],
      query: ListQuery,
      responses: { 200: { description: 'A page of spaces', schema: pageOf(Space) } },
    });
    doc.add('post', '/api/v1/spaces', {
      operationId: 'createSpace',
      summary: 'Create a space; the caller becomes its owner',
      tags: ['spaces'],
      body: SpaceInput,
      responses: { 201: { description: 'The space', schema: Space } },
    });
  },
};

async function loadSpace(ctx: ControlContext, spaceId: string): Promise<SpaceRow> {
  const { rows } = await ctx.pool.query<SpaceRow>('SELECT *, created_at::text AS cursor_at FROM spaces WHERE id = $1', [
    spaceId,
  ]);
  if (!rows[0]) throw HttpProblem.notFound(`no space ${spaceId}`);
  return rows[0];
}

/** `/api/v1/spaces/:spaceId`: read (viewer), rename and settings (admin), delete (owner). */
export const spaceRoutes: RouteModule = {
  name: 'space',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });
    router.get('/', async (_req, res) => {
      const access = spaceOf(res);
      res.json(toSpace(await loadSpace(ctx, access.spaceId), access.role));
    });
    router.patch('/', async (req, res) => {
      const access = requireRole(res, 'admin');
      const updated = await inWriteTransaction(ctx, async (client) => {
        const before = await client.query<SpaceRow>('SELECT * FROM spaces WHERE id = $1 FOR UPDATE', [access.spaceId]);
        if (!before.rows[0]) throw HttpProblem.notFound(`no space ${access.spaceId}`);
        const input = parseMergePatch(SpaceInput.strict(), writableSpace(before.rows[0]), req.body, {
          readOnly: ['role'],
        });
        const { rows } = await client.query<SpaceRow>(
          `UPDATE spaces SET name = $2, tool_host_allow_list = $3, webhook_host_allow_list = $4, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [
            access.spaceId,
            input.name,
            JSON.stringify(input.toolHostAllowList),
            JSON.stringify(input.webhookHostAllowList),
          ],
        );
        // Tools' reachable hosts changed: agents' runtime configuration must not be served from cache.
        if (JSON.stringify(input.toolHostAllowList) !== JSON.stringify(before.rows[0].tool_host_allow_list)) {
          await client.query('UPDATE agents SET version = version + 1 WHERE space_id = $1', [access.spaceId]);
        }
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'space',
          resourceId: access.spaceId,
          action: 'updated',
          before: toSpace(before.rows[0]),
          after: toSpace(rows[0]!),
        });
        return rows[0]!;
      });
      res.json(toSpace(updated, access.role));
    });
    router.delete('/', async (_req, res) => {
      const access = requireRole(res, 'owner');
      await inWriteTransaction(ctx, async (client) => {
        // The audit log goes with the space; the event on the bus is the lasting record of the deletion.
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'space',
          resourceId: access.spaceId,
          action: 'deleted',
        });
        await client.query('DELETE FROM phone_numbers WHERE space_id = $1', [access.spaceId]);
        await client.query('DELETE FROM spaces WHERE id = $1', [access.spaceId]);
      });
      forgetMemberships(ctx);
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['spaces'];
    doc.add('get', '/api/v1/spaces/:spaceId', {
      operationId: 'getSpace',
      summary: 'A space, with the caller’s role in it',
      tags,
      responses: { 200: { description: 'The space', schema: Space } },
    });
    doc.add('patch', '/api/v1/spaces/:spaceId', {
      operationId: 'updateSpace',
      summary: 'Rename a space or change its tool and webhook host allow-lists, as a JSON Merge Patch (admin)',
      tags,
      body: SpaceInput,
      mergePatch: true,
      responses: { 200: { description: 'The space', schema: Space } },
    });
    doc.add('delete', '/api/v1/spaces/:spaceId', {
      operationId: 'deleteSpace',
      summary: 'Delete a space and everything in it (owner)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};

interface MemberRow {
  user_id: string;
  space_id: string;
  subject: string;
  email: string | null;
  role: Role;
  created_at: Date;
  cursor_at: string;
  id: string;
}

function toMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    spaceId: row.space_id,
    subject: row.subject,
    email: row.email,
    role: row.role,
    createdAt: isoNow(row.created_at),
  };
}

/** Fields of a member's representation a PATCH may send back unchanged. */
const MEMBER_READ_ONLY = ['userId', 'subject', 'createdAt'];

/** A member's email is the membership's (what this space's admin typed, or the creator's own token's). */
const MEMBERS_VIEW = `(SELECT m.user_id AS id, m.user_id, m.space_id, u.subject, m.email, m.role, m.created_at
  FROM members m JOIN users u ON u.id = m.user_id) AS t`;

/**
 * Members: viewers read the list; admins add, change and remove members; only an owner grants,
 * changes or removes the owner role, and a space always keeps at least one owner.
 */
export const memberRoutes: RouteModule = {
  name: 'members',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function findMember(spaceId: string, userId: string, client: { query: typeof ctx.pool.query } = ctx.pool) {
      if (!isUuid(userId)) return undefined;
      const { rows } = await client.query<MemberRow>(
        `SELECT *, created_at::text AS cursor_at FROM ${MEMBERS_VIEW} WHERE space_id = $1 AND user_id = $2`,
        [spaceId, userId],
      );
      return rows[0];
    }

    router.get('/members', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { role: z.enum(['viewer', 'editor', 'admin', 'owner']).optional() });
      const conditions = ['space_id = $1'];
      const params: unknown[] = [access.spaceId];
      if (query.role) {
        params.push(query.role);
        conditions.push(`role = $${params.length}`);
      }
      const sql = pageSql(MEMBERS_VIEW, '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<MemberRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toMember));
    });

    router.get('/members/:userId', async (req, res) => {
      const access = spaceOf(res);
      const member = await findMember(access.spaceId, req.params.userId);
      if (!member) throw HttpProblem.notFound(`no member ${req.params.userId} in this space`);
      forgetMemberships(ctx);
      res.json(toMember(member));
    });

    router.post('/members', async (req, res) => {
      const access = requireRole(res, 'admin');
      const input = parseWrite(MemberInput.strict(), req.body);
      if (input.role === 'owner' && access.role !== 'owner')
        throw HttpProblem.forbidden('only an owner can add an owner');
      const member = await inWriteTransaction(ctx, async (client) => {
        // A user's profile is theirs: adding them creates the user if unknown, and never writes to it.
        await client.query('INSERT INTO users (id, subject) VALUES ($1, $2) ON CONFLICT (subject) DO NOTHING', [
          crypto.randomUUID(),
          input.subject,
        ]);
        const { rows: users } = await client.query<{ id: string }>('SELECT id FROM users WHERE subject = $1', [
          input.subject,
        ]);
        const userId = users[0]!.id;
        const inserted = await client.query(
          'INSERT INTO members (space_id, user_id, role, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [access.spaceId, userId, input.role, input.email ?? null],
        );
        if (inserted.rowCount === 0) {
          throw HttpProblem.conflict(`${input.subject} is already a member; change the role with PATCH instead`);
        }
        const created = (await findMember(access.spaceId, userId, client))!;
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'member',
          resourceId: userId,
          action: 'created',
          after: toMember(created),
        });
        return created;
      });
      forgetMemberships(ctx);
      res.status(201).json(toMember(member));
    });

    router.patch('/members/:userId', async (req, res) => {
      const access = requireRole(res, 'admin');
      const member = await inWriteTransaction(ctx, async (client) => {
        const before = await findMember(access.spaceId, req.params.userId, client);
        if (!before) throw HttpProblem.notFound(`no member ${req.params.userId} in this space`);
        const { role, email } = parseMergePatch(
          MemberUpdate.strict(),
          { role: before.role, ...(before.email ? { email: before.email } : {}) },
          req.body,
          { readOnly: MEMBER_READ_ONLY },
        );
        if ((before.role === 'owner' || role === 'owner') && access.role !== 'owner') {
          throw HttpProblem.forbidden('only an owner can grant or change the owner role');
        }
        if (before.role === 'owner' && role !== 'owner')
          await assertAnotherOwner(client, access.spaceId, before.user_id);
        await client.query('UPDATE members SET role = $3, email = $4 WHERE space_id = $1 AND user_id = $2', [
          access.spaceId,
          before.user_id,
          role,
          email ?? null,
        ]);
        const after = { ...before, role, email: email ?? null };
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'member',
          resourceId: before.user_id,
          action: 'updated',
          before: toMember(before),
          after: toMember(after),
        });
        return after;
      });
      forgetMemberships(ctx);
      res.json(toMember(member));
    });

    router.delete('/members/:userId', async (req, res) => {
      const access = requireRole(res, 'admin');
      await inWriteTransaction(ctx, async (client) => {
        const before = await findMember(access.spaceId, req.params.userId, client);
        if (!before) throw HttpProblem.notFound(`no member ${req.params.userId} in this space`);
        if (before.role === 'owner') {
          if (access.role !== 'owner') throw HttpProblem.forbidden('only an owner can remove an owner');
          await assertAnotherOwner(client, access.spaceId, before.user_id);
        }
        await client.query('DELETE FROM members WHERE space_id = $1 AND user_id = $2', [
          access.spaceId,
          before.user_id,
        ]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'member',
          resourceId: before.user_id,
          action: 'deleted',
          before: toMember(before),
        });
      });
      forgetMemberships(ctx);
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['members'];
    doc.component('Member', Member);
    doc.add('get', '/api/v1/spaces/:spaceId/members', {
      operationId: 'listMembers',
      summary: 'Members of the space and their roles',
      tags,
      query: ListQuery.extend({ role: z.enum(['viewer', 'editor', 'admin', 'owner']).optional() }),
      responses: { 200: { description: 'A page of members', schema: pageOf(Member) } },
    });
    doc.add('post', '/api/v1/spaces/:spaceId/members', {
      operationId: 'addMember',
      summary: 'Add a user (by OIDC subject) with a role (admin; owner role: owner)',
      tags,
      body: MemberInput,
      responses: { 201: { description: 'The member', schema: Member } },
    });
    doc.add('get', '/api/v1/spaces/:spaceId/members/:userId', {
      operationId: 'getMember',
      summary: 'One member',
      tags,
      responses: { 200: { description: 'The member', schema: Member } },
    });
    doc.add('patch', '/api/v1/spaces/:spaceId/members/:userId', {
      operationId: 'updateMember',
      summary:
        'Change a member’s role or the address this space knows them by, as a JSON Merge Patch (admin; owner role: owner)',
      tags,
      body: MemberUpdate,
      mergePatch: true,
      responses: { 200: { description: 'The member', schema: Member } },
    });
    doc.add('delete', '/api/v1/spaces/:spaceId/members/:userId', {
      operationId: 'removeMember',
      summary: 'Remove a member (admin; an owner: owner; the last owner stays)',
      tags,
      responses: { 204: { description: 'Removed' } },
    });
  },
};

async function assertAnotherOwner(client: { query: import('pg').Pool['query'] }, spaceId: string, userId: string) {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM members WHERE space_id = $1 AND role = 'owner' AND user_id <> $2",
    [spaceId, userId],
  );
  if (Number(rows[0]!.n) === 0)
    throw HttpProblem.conflict('a space needs at least one owner; make someone else owner first');
}
