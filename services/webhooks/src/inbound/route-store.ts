import { fileURLToPath } from 'node:url';
import { runMigrations } from '@speaknode/runtime/db';
import type pg from 'pg';
import {
  type InboundRoute,
  type InboundRouteInput,
  type InboundRoutePatch,
  RouteAuth,
  RoutingRule,
} from './route-definition.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

interface RouteRow {
  key: string;
  space_id: string;
  description: string;
  enabled: boolean;
  auth: unknown;
  rules: unknown;
  created_at: Date;
  updated_at: Date;
}

function fromRow(row: RouteRow): InboundRoute {
  return {
    key: row.key,
    spaceId: row.space_id,
    description: row.description,
    enabled: row.enabled,
    auth: RouteAuth.parse(row.auth),
    rules: RoutingRule.array().parse(row.rules),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export class RouteKeyTakenError extends Error {
  constructor(key: string) {
    super(`a route with key "${key}" already exists`);
    this.name = 'RouteKeyTakenError';
  }
}

/**
 * Inbound routes in PostgreSQL (migrations scope `webhooks`). `find` serves the request path from a
 * short-lived in-memory copy so a burst of posts costs no queries; a change made through this
 * store is visible at once, one made by another replica within `cacheMs`.
 */
export class RouteStore {
  private readonly cache = new Map<string, { route: InboundRoute | null; at: number }>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly cacheMs: number,
  ) {}

  static async open(pool: pg.Pool, options: { cacheMs?: number } = {}): Promise<RouteStore> {
    const store = RouteStore.unmigrated(pool, options);
    await store.migrate();
    return store;
  }

  /** A store whose table may not exist yet: call `migrate` (e.g. retried in the background while the database is down). */
  static unmigrated(pool: pg.Pool, options: { cacheMs?: number } = {}): RouteStore {
    return new RouteStore(pool, options.cacheMs ?? 5_000);
  }

  async migrate(): Promise<void> {
    await runMigrations(this.pool, MIGRATIONS_DIR, 'webhooks');
  }

  async find(key: string): Promise<InboundRoute | null> {
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.route;
    const { rows } = await this.pool.query<RouteRow>('SELECT * FROM webhook_routes WHERE key = $1', [key]);
    const route = rows[0] ? fromRow(rows[0]) : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { route, at: Date.now() });
    return route;
  }

  async list(spaceId?: string): Promise<InboundRoute[]> {
    const { rows } = spaceId
      ? await this.pool.query<RouteRow>('SELECT * FROM webhook_routes WHERE space_id = $1 ORDER BY key', [spaceId])
      : await this.pool.query<RouteRow>('SELECT * FROM webhook_routes ORDER BY key');
    return rows.map(fromRow);
  }

  async create(input: InboundRouteInput): Promise<InboundRoute> {
    try {
      const { rows } = await this.pool.query<RouteRow>(
        `INSERT INTO webhook_routes (key, space_id, description, enabled, auth, rules)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [
          input.key,
          input.spaceId,
          input.description,
          input.enabled,
          JSON.stringify(input.auth),
          JSON.stringify(input.rules),
        ],
      );
      const route = fromRow(rows[0] as RouteRow);
      this.cache.delete(route.key);
      return route;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new RouteKeyTakenError(input.key);
      throw error;
    }
  }

  async update(key: string, patch: InboundRoutePatch): Promise<InboundRoute | null> {
    const { rows } = await this.pool.query<RouteRow>(
      `UPDATE webhook_routes SET
         description = COALESCE($2, description),
         enabled = COALESCE($3, enabled),
         auth = COALESCE($4::jsonb, auth),
         rules = COALESCE($5::jsonb, rules),
         updated_at = now()
       WHERE key = $1 RETURNING *`,
      [
        key,
        patch.description ?? null,
        patch.enabled ?? null,
        patch.auth ? JSON.stringify(patch.auth) : null,
        patch.rules ? JSON.stringify(patch.rules) : null,
      ],
    );
    this.cache.delete(key);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async delete(key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_routes WHERE key = $1', [key]);
    this.cache.delete(key);
    return (rowCount ?? 0) > 0;
  }
}
