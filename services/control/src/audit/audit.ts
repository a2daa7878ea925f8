import { ResourceChanged, type Role } from '@speaknode/contracts';
import type pg from 'pg';
import type { Principal } from '../auth/principal.ts';
import { writeOutboxEvent } from '../outbox/outbox.ts';

export type AuditedResource =
  | 'space'
  | 'member'
  | 'agent'
  | 'tool'
  | 'phone_number'
  | 'credential'
  | 'webhook'
  | 'api_key'
  | 'campaign';

const SECRET_KEY = /secret|token|password|passwd|authorization|api[-_]?key|cookie|private/i;

/** A copy of `value` with the values of secret-looking keys replaced, at any depth. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) && typeof inner !== 'object' ? '***' : maskSecrets(inner),
      ]),
    );
  }
  return value;
}

export interface Change {
  principal: Principal;
  /** The caller's role in the space when the change was made. */
  role: Role | null;
  spaceId: string;
  resource: AuditedResource;
  resourceId: string;
  action: 'created' | 'updated' | 'deleted';
  before?: unknown;
  after?: unknown;
}

function actorOf(principal: Principal): { type: string; id: string } {
  switch (principal.kind) {
    case 'user':
      return { type: 'user', id: principal.userId };
    case 'api_key':
      return { type: 'api_key', id: principal.apiKeyId };
    case 'service':
      return { type: 'service', id: principal.subject };
  }
}

/**
 * Records a state change inside the caller's transaction: an audit entry (who, what, when,
 * before/after with secrets masked) and a `resource.changed` event in the outbox.
 */
export async function recordChange(client: pg.PoolClient, change: Change): Promise<void> {
  const actor = actorOf(change.principal);
  await client.query(
    `INSERT INTO audit_log (id, space_id, actor_type, actor_id, actor_label, actor_role, action, resource, resource_id, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      crypto.randomUUID(),
      change.spaceId,
      actor.type,
      actor.id,
      change.principal.label,
      change.role,
      change.action,
      change.resource,
      change.resourceId,
      change.before === undefined ? null : JSON.stringify(maskSecrets(change.before)),
      change.after === undefined ? null : JSON.stringify(maskSecrets(change.after)),
    ],
  );
  await writeOutboxEvent(client, ResourceChanged, {
    spaceId: change.spaceId,
    subject: change.resourceId,
    data: { resource: change.resource, resourceId: change.resourceId, action: change.action },
  });
}
