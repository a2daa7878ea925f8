import { ListQuery, PhoneNumber, PhoneNumberInput, pageOf, TelephonyProvider } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type Request, type Response, Router } from 'express';
import type pg from 'pg';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import { parseMergePatch, parseReplacement, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery, uuidFilter } from '../http/pagination.ts';
import { inWriteTransaction, isoNow, uniqueViolation } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { ProviderSetup, providerSetup } from './phone-number-setup.ts';
import { assertCredentialsFit, assertReferencesInSpace } from './references.ts';

interface PhoneNumberRow {
  id: string;
  space_id: string;
  provider: PhoneNumber['provider'];
  number: string;
  mode: PhoneNumber['mode'];
  agent_id: string;
  credential_id: string | null;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

function toPhoneNumber(row: PhoneNumberRow): PhoneNumber {
  return {
    id: row.id,
    spaceId: row.space_id,
    provider: row.provider,
    number: row.number,
    mode: row.mode,
    agentId: row.agent_id,
    credentialId: row.credential_id,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

const ListFilters = { provider: TelephonyProvider.optional(), agentId: uuidFilter };

/** Phone numbers: viewers read; admins add, change and remove them. A number belongs to one space. */
export const phoneNumberRoutes: RouteModule = {
  name: 'phone-numbers',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function find(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<PhoneNumberRow>(
        `SELECT *, created_at::text AS cursor_at FROM phone_numbers WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
        [spaceId, id],
      );
      return rows[0];
    }

    async function validate(spaceId: string, input: PhoneNumberInput) {
      await assertReferencesInSpace(ctx.pool, spaceId, 'agents', [{ path: 'agentId', id: input.agentId }]);
      await assertCredentialsFit(ctx.pool, spaceId, [
        { path: 'credentialId', id: input.credentialId, use: input.provider },
      ]);
    }

    function conflictOnNumber(error: unknown, input: PhoneNumberInput): never {
      if (uniqueViolation(error)) {
        throw HttpProblem.conflict(`${input.number} (${input.provider}) is already registered`);
      }
      throw error;
    }

    router.get('/phone-numbers', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, ListFilters);
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.provider) {
        params.push(query.provider);
        conditions.push(`provider = $${params.length}`);
      }
      if (query.agentId) {
        params.push(query.agentId);
        conditions.push(`agent_id = $${params.length}`);
      }
      const sql = pageSql('phone_numbers', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<PhoneNumberRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toPhoneNumber));
    });

    router.get('/phone-numbers/:phoneNumberId', async (req, res) => {
      const row = await find(ctx.pool, spaceOf(res).spaceId, req.params.phoneNumberId);
      if (!row) throw HttpProblem.notFound(`no phone number ${req.params.phoneNumberId}`);
      res.json(toPhoneNumber(row));
    });

    // What to paste into the provider's console for this number (viewer: it holds no secret).
    router.get('/phone-numbers/:phoneNumberId/provider-setup', async (req, res) => {
      const row = await find(ctx.pool, spaceOf(res).spaceId, req.params.phoneNumberId);
      if (!row) throw HttpProblem.notFound(`no phone number ${req.params.phoneNumberId}`);
      res.json(
        providerSetup(toPhoneNumber(row), {
          webhooks: ctx.config.WEBHOOKS_PUBLIC_URL,
          bridge: ctx.config.BRIDGE_PUBLIC_URL,
        }),
      );
    });

    router.post('/phone-numbers', async (req, res) => {
      const access = requireRole(res, 'admin');
      const input = parseWrite(PhoneNumberInput.strict(), req.body);
      await validate(access.spaceId, input);
      const id = crypto.randomUUID();
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<PhoneNumberRow>(
          `INSERT INTO phone_numbers (id, space_id, provider, number, mode, agent_id, credential_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *, created_at::text AS cursor_at`,
          [id, access.spaceId, input.provider, input.number, input.mode, input.agentId, input.credentialId ?? null],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'phone_number',
          resourceId: id,
          action: 'created',
          after: toPhoneNumber(rows[0]!),
        });
        return rows[0]!;
      }).catch((error) => conflictOnNumber(error, input));
      res.status(201).location(`/api/v1/spaces/${access.spaceId}/phone-numbers/${id}`).json(toPhoneNumber(row));
    });

    async function update(req: Request, res: Response, merge: boolean) {
      const access = requireRole(res, 'admin');
      const id = String(req.params.phoneNumberId);
      const current = await find(ctx.pool, access.spaceId, id);
      if (!current) throw HttpProblem.notFound(`no phone number ${id}`);
      const stored = {
        provider: current.provider,
        number: current.number,
        mode: current.mode,
        agentId: current.agent_id,
        ...(current.credential_id ? { credentialId: current.credential_id } : {}),
      };
      const input = merge
        ? parseMergePatch(PhoneNumberInput.strict(), stored, req.body)
        : parseReplacement(PhoneNumberInput.strict(), req.body);
      await validate(access.spaceId, input);
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, id, true);
        if (!before) throw HttpProblem.notFound(`no phone number ${id}`);
        const { rows } = await client.query<PhoneNumberRow>(
          `UPDATE phone_numbers SET provider = $3, number = $4, mode = $5, agent_id = $6, credential_id = $7, updated_at = now()
           WHERE space_id = $1 AND id = $2 RETURNING *, created_at::text AS cursor_at`,
          [access.spaceId, id, input.provider, input.number, input.mode, input.agentId, input.credentialId ?? null],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'phone_number',
          resourceId: id,
          action: 'updated',
          before: toPhoneNumber(before),
          after: toPhoneNumber(rows[0]!),
        });
        return rows[0]!;
      }).catch((error) => conflictOnNumber(error, input));
      res.json(toPhoneNumber(row));
    }
    router.put('/phone-numbers/:phoneNumberId', (req, res) => update(req, res, false));
    router.patch('/phone-numbers/:phoneNumberId', (req, res) => update(req, res, true));

    router.delete('/phone-numbers/:phoneNumberId', async (req, res) => {
      const access = requireRole(res, 'admin');
      await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.phoneNumberId, true);
        if (!before) throw HttpProblem.notFound(`no phone number ${req.params.phoneNumberId}`);
        await client.query('DELETE FROM phone_numbers WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'phone_number',
          resourceId: before.id,
          action: 'deleted',
          before: toPhoneNumber(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['phone-numbers'];
    const base = '/api/v1/spaces/:spaceId/phone-numbers';
    doc.component('PhoneNumber', PhoneNumber);
    doc.component('PhoneNumberInput', PhoneNumberInput, 'input');
    doc.component('ProviderSetup', ProviderSetup);
    doc.add('get', base, {
      operationId: 'listPhoneNumbers',
      summary: 'Phone numbers of the space',
      tags,
      query: ListQuery.extend(ListFilters),
      responses: { 200: { description: 'A page of numbers', schema: pageOf(PhoneNumber) } },
    });
    doc.add('post', base, {
      operationId: 'createPhoneNumber',
      summary: 'Attach a Twilio or VoxImplant number to an agent (admin)',
      tags,
      body: PhoneNumberInput,
      responses: { 201: { description: 'The number', schema: PhoneNumber } },
    });
    doc.add('get', `${base}/:phoneNumberId`, {
      operationId: 'getPhoneNumber',
      summary: 'One number',
      tags,
      responses: { 200: { description: 'The number', schema: PhoneNumber } },
    });
    doc.add('get', `${base}/:phoneNumberId/provider-setup`, {
      operationId: 'getPhoneNumberProviderSetup',
      summary: 'What to paste into Twilio’s or VoxImplant’s console for this number',
      tags,
      responses: { 200: { description: 'The provider-side settings', schema: ProviderSetup } },
    });
    doc.add('put', `${base}/:phoneNumberId`, {
      operationId: 'replacePhoneNumber',
      summary: 'Replace a number’s settings (admin)',
      tags,
      body: PhoneNumberInput,
      responses: { 200: { description: 'The number', schema: PhoneNumber } },
    });
    doc.add('patch', `${base}/:phoneNumberId`, {
      operationId: 'updatePhoneNumber',
      summary: 'Change the fields sent, e.g. the agent that answers, as a JSON Merge Patch (admin)',
      tags,
      body: PhoneNumberInput,
      mergePatch: true,
      responses: { 200: { description: 'The number', schema: PhoneNumber } },
    });
    doc.add('delete', `${base}/:phoneNumberId`, {
      operationId: 'deletePhoneNumber',
      summary: 'Detach a number (admin)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};
