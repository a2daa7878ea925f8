import { CREDENTIAL_KINDS_FOR, type CredentialUse } from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * 400 unless every referenced id exists in `table` within the space. A reference to another
 * space's resource fails exactly like one to a missing resource, naming the field.
 */
export async function assertReferencesInSpace(
  db: Queryable,
  spaceId: string,
  table: 'credentials' | 'tools' | 'agents',
  references: { path: string; id: string | undefined | null }[],
): Promise<void> {
  const wanted = references.filter((r): r is { path: string; id: string } => typeof r.id === 'string');
  if (wanted.length === 0) return;
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${table} WHERE space_id = $1 AND id = ANY($2::uuid[])`,
    [spaceId, [...new Set(wanted.map((r) => r.id))]],
  );
  const found = new Set(rows.map((r) => r.id));
  const missing = wanted.filter((r) => !found.has(r.id));
  if (missing.length > 0) {
    const noun = table.slice(0, -1);
    throw HttpProblem.badRequest(
      `the request body is not valid: ${missing.map((m) => `${m.path}: no ${noun} ${m.id} in this space`).join('; ')}`,
      missing.map((m) => ({ path: m.path, message: `no ${noun} with this id in this space` })),
    );
  }
}

/**
 * Like `assertReferencesInSpace` for credentials, and then 422 when a credential exists but is of a
 * kind its use cannot read (an `http-tool` secret as an LLM key, an `openai` key on a Twilio number):
 * found out at save, not in a caller's conversation.
 */
export async function assertCredentialsFit(
  db: Queryable,
  spaceId: string,
  references: { path: string; id: string | undefined | null; use: CredentialUse }[],
): Promise<void> {
  await assertReferencesInSpace(db, spaceId, 'credentials', references);
  const wanted = references.filter((r): r is typeof r & { id: string } => typeof r.id === 'string');
  if (wanted.length === 0) return;
  const { rows } = await db.query<{ id: string; kind: string; name: string }>(
    'SELECT id, kind, name FROM credentials WHERE space_id = $1 AND id = ANY($2::uuid[])',
    [spaceId, [...new Set(wanted.map((r) => r.id))]],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const misfits = wanted.flatMap((r) => {
    const credential = byId.get(r.id);
    const fits: readonly string[] = CREDENTIAL_KINDS_FOR[r.use];
    if (!credential || fits.includes(credential.kind)) return [];
    return [
      {
        path: r.path,
        message: `credential "${credential.name}" is of kind ${credential.kind}; ${r.use} needs a credential of kind ${fits.join(' or ')}`,
      },
    ];
  });
  if (misfits.length > 0) {
    throw new HttpProblem(422, 'Unprocessable Content', misfits.map((m) => `${m.path}: ${m.message}`).join('; '), {
      errors: misfits,
    });
  }
}

/** Bumps the runtime-config version of the agents that use a tool or credential that changed. */
export async function bumpAgentsUsing(client: Queryable, spaceId: string, resourceId: string): Promise<void> {
  await client.query(
    `UPDATE agents SET version = version + 1 WHERE space_id = $1 AND (config::text LIKE '%' || $2 || '%'
       OR EXISTS (SELECT 1 FROM tools t WHERE t.space_id = $1 AND t.config::text LIKE '%' || $2 || '%' AND agents.config->'toolIds' ? t.id::text))`,
    [spaceId, resourceId],
  );
}
