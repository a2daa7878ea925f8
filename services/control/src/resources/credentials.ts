import { Credential, CredentialInput, CredentialKind, ListQuery, pageOf } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { Router } from 'express';
import type pg from 'pg';
import { recordChange } from '../audit/audit.ts';
import { principalOf } from '../auth/principal.ts';
import { isUuid, requireRole, spaceOf } from '../auth/space-access.ts';
import type { ControlContext } from '../context.ts';
import { parseMergePatch, parseWrite } from '../http/merge-patch.ts';
import { pageOfRows, pageSql, parseListQuery } from '../http/pagination.ts';
import { inWriteTransaction, isoNow } from '../http/write.ts';
import type { RouteModule } from '../routes/route-module.ts';
import { bumpAgentsUsing } from './references.ts';

interface CredentialRow {
  id: string;
  space_id: string;
  name: string;
  kind: Credential['kind'];
  settings: Record<string, string>;
  secret_ciphertext: string;
  hint: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

export function toCredential(row: CredentialRow): Credential {
  return {
    id: row.id,
    spaceId: row.space_id,
    name: row.name,
    kind: row.kind,
    settings: row.settings,
    hint: row.hint,
    createdAt: isoNow(row.created_at),
    updatedAt: isoNow(row.updated_at),
  };
}

export const credentialContext = (spaceId: string, id: string) => `credential:${spaceId}:${id}`;

/** Enough to tell keys apart, never enough to matter: the last four characters of long secrets only. */
function hintOf(secret: string): string {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : '';
}

/** Decrypts a credential of the space for the internal endpoints; undefined when there is none. */
export async function resolveCredential(
  ctx: ControlContext,
  db: Pick<pg.Pool, 'query'>,
  spaceId: string,
  id: string,
): Promise<{ id: string; kind: string; secret: string; settings: Record<string, string> } | undefined> {
  const { rows } = await db.query<CredentialRow>('SELECT * FROM credentials WHERE space_id = $1 AND id = $2', [
    spaceId,
    id,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    settings: row.settings,
    secret: ctx.cipher.decrypt(row.secret_ciphertext, credentialContext(spaceId, row.id)),
  };
}

/** A PATCH merges into the stored name, kind and settings; the secret is replaced only when sent. */
const CredentialUpdate = CredentialInput.extend({ secret: CredentialInput.shape.secret.optional() }).strict();

/**
 * Credentials are write-only: the secret goes in, encrypted at rest (AES-256-GCM bound to the
 * space and id), and only its metadata and a hint come out. Viewers see metadata; admins write.
 */
export const credentialRoutes: RouteModule = {
  name: 'credentials',
  mount: 'space',
  router(ctx) {
    const router = Router({ mergeParams: true });

    async function find(db: Pick<pg.Pool, 'query'>, spaceId: string, id: string, lock = false) {
      if (!isUuid(id)) return undefined;
      const { rows } = await db.query<CredentialRow>(
        `SELECT *, created_at::text AS cursor_at FROM credentials WHERE space_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
        [spaceId, id],
      );
      return rows[0];
    }

    router.get('/credentials', async (req, res) => {
      const access = spaceOf(res);
      const query = parseListQuery(req.query, { kind: CredentialKind.optional() });
      const params: unknown[] = [access.spaceId];
      const conditions = ['space_id = $1'];
      if (query.kind) {
        params.push(query.kind);
        conditions.push(`kind = $${params.length}`);
      }
      const sql = pageSql('credentials', '*', conditions, params, query.position, query.limit);
      const { rows } = await ctx.pool.query<CredentialRow>(sql.text, sql.values);
      res.json(pageOfRows(rows, query.limit, toCredential));
    });

    router.get('/credentials/:credentialId', async (req, res) => {
      const row = await find(ctx.pool, spaceOf(res).spaceId, req.params.credentialId);
      if (!row) throw HttpProblem.notFound(`no credential ${req.params.credentialId}`);
      res.json(toCredential(row));
    });

    router.post('/credentials', async (req, res) => {
      const access = requireRole(res, 'admin');
      const input = parseWrite(CredentialInput.strict(), req.body);
      const id = crypto.randomUUID();
      const row = await inWriteTransaction(ctx, async (client) => {
        const { rows } = await client.query<CredentialRow>(
          `INSERT INTO credentials (id, space_id, name, kind, settings, secret_ciphertext, hint)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *, created_at::text AS cursor_at`,
          [
            id,
            access.spaceId,
            input.name,
            input.kind,
            JSON.stringify(input.settings),
            ctx.cipher.encrypt(input.secret, credentialContext(access.spaceId, id)),
            hintOf(input.secret),
          ],
        );
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'credential',
          resourceId: id,
          action: 'created',
          after: toCredential(rows[0]!),
        });
        return rows[0]!;
      });
      res.status(201).location(`/api/v1/spaces/${access.spaceId}/credentials/${id}`).json(toCredential(row));
    });

    router.patch('/credentials/:credentialId', async (req, res) => {
      const access = requireRole(res, 'admin');
      if ((req.body as { secret?: unknown } | undefined)?.secret === null) {
        throw HttpProblem.badRequest('a credential always has a secret; send a new one to replace it', [
          { path: 'secret', message: 'cannot be removed' },
        ]);
      }
      const row = await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.credentialId, true);
        if (!before) throw HttpProblem.notFound(`no credential ${req.params.credentialId}`);
        const patch = parseMergePatch(
          CredentialUpdate,
          { name: before.name, kind: before.kind, settings: before.settings },
          req.body,
          { readOnly: ['hint'] },
        );
        const { rows } = await client.query<CredentialRow>(
          `UPDATE credentials SET name = $3, kind = $4, settings = $5, secret_ciphertext = $6, hint = $7, updated_at = now()
           WHERE space_id = $1 AND id = $2 RETURNING *, created_at::text AS cursor_at`,
          [
            access.spaceId,
            before.id,
            patch.name,
            patch.kind,
            JSON.stringify(patch.settings),
            patch.secret === undefined
              ? before.secret_ciphertext
              : ctx.cipher.encrypt(patch.secret, credentialContext(access.spaceId, before.id)),
            patch.secret === undefined ? before.hint : hintOf(patch.secret),
          ],
        );
        await bumpAgentsUsing(client, access.spaceId, before.id);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'credential',
          resourceId: before.id,
          action: 'updated',
          before: toCredential(before),
          after: { ...toCredential(rows[0]!), ...(patch.secret === undefined ? {} : { secretChanged: true }) },
        });
        return rows[0]!;
      });
      res.json(toCredential(row));
    });

    router.delete('/credentials/:credentialId', async (req, res) => {
      const access = requireRole(res, 'admin');
      await inWriteTransaction(ctx, async (client) => {
        const before = await find(client, access.spaceId, req.params.credentialId, true);
        if (!before) throw HttpProblem.notFound(`no credential ${req.params.credentialId}`);
        const users = await client.query<{ what: string }>(
          `SELECT 'agent ' || name AS what FROM agents WHERE space_id = $1 AND config::text LIKE '%' || $2 || '%'
           UNION ALL SELECT 'tool ' || name FROM tools WHERE space_id = $1 AND config::text LIKE '%' || $2 || '%'
           UNION ALL SELECT 'phone number ' || number FROM phone_numbers WHERE space_id = $1 AND credential_id = $2::uuid`,
          [access.spaceId, before.id],
        );
        if (users.rows.length > 0) {
          throw HttpProblem.conflict(
            `the credential is in use by ${users.rows.map((r) => r.what).join(', ')}; point them at another credential first`,
          );
        }
        await client.query('DELETE FROM credentials WHERE id = $1', [before.id]);
        await recordChange(client, {
          principal: principalOf(res),
          role: access.role,
          spaceId: access.spaceId,
          resource: 'credential',
          resourceId: before.id,
          action: 'deleted',
          before: toCredential(before),
        });
      });
      res.status(204).end();
    });
    return router;
  },
  openapi(doc) {
    const tags = ['credentials'];
    const base = '/api/v1/spaces/:spaceId/credentials';
    doc.component('Credential', Credential);
    doc.component('CredentialInput', CredentialInput, 'input');
    doc.add('get', base, {
      operationId: 'listCredentials',
      summary: 'Credential metadata (never the secrets)',
      tags,
      query: ListQuery.extend({ kind: CredentialKind.optional() }),
      responses: { 200: { description: 'A page of credentials', schema: pageOf(Credential) } },
    });
    doc.add('post', base, {
      operationId: 'createCredential',
      summary: 'Store a secret, encrypted; it is never returned (admin)',
      tags,
      body: CredentialInput,
      responses: { 201: { description: 'The credential’s metadata', schema: Credential } },
    });
    doc.add('get', `${base}/:credentialId`, {
      operationId: 'getCredential',
      summary: 'One credential’s metadata',
      tags,
      responses: { 200: { description: 'The credential', schema: Credential } },
    });
    doc.add('patch', `${base}/:credentialId`, {
      operationId: 'updateCredential',
      summary: 'Rename, change settings or replace the secret, as a JSON Merge Patch (admin)',
      tags,
      body: CredentialUpdate,
      mergePatch: true,
      responses: { 200: { description: 'The credential', schema: Credential } },
    });
    doc.add('delete', `${base}/:credentialId`, {
      operationId: 'deleteCredential',
      summary: 'Delete a credential nothing uses any more (admin)',
      tags,
      responses: { 204: { description: 'Deleted' } },
    });
  },
};
