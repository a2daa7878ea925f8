import { Role } from '@speaknode/contracts';

/** The caller's role in a space, or null when the caller is not a member (or the space does not exist). */
export interface SpaceAccess {
  roleIn(spaceId: string, bearerToken: string): Promise<Role | null>;
}

export class SpaceAccessUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpaceAccessUnavailableError';
  }
}

/**
 * Asks control, which owns members and roles: `GET /api/v1/spaces/{spaceId}` with the caller's own
 * token answers the space with the caller's `role`, or 404 for a non-member. Answers are cached
 * briefly per (token, space) so a console page does not cost a round trip per request.
 */
export class ControlSpaceAccess implements SpaceAccess {
  private readonly cache = new Map<string, { role: Role | null; at: number }>();

  constructor(
    private readonly options: { controlUrl: string; cacheMs?: number; fetch?: typeof fetch; timeoutMs?: number },
  ) {}

  async roleIn(spaceId: string, bearerToken: string): Promise<Role | null> {
    const key = `${spaceId}\u0000${bearerToken}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < (this.options.cacheMs ?? 30_000)) return cached.role;
    const url = new URL(`/api/v1/spaces/${encodeURIComponent(spaceId)}`, this.options.controlUrl);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers: { authorization: `Bearer ${bearerToken}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new SpaceAccessUnavailableError(`control at ${url.origin} could not be asked: ${(error as Error).message}`);
    }
    let role: Role | null;
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      role = null;
    } else if (response.ok) {
      const parsed = Role.safeParse(((await response.json().catch(() => ({}))) as { role?: unknown }).role);
      role = parsed.success ? parsed.data : null;
    } else {
      await response.body?.cancel();
      throw new SpaceAccessUnavailableError(`control answered ${response.status} for the caller's role in ${spaceId}`);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { role, at: Date.now() });
    return role;
  }
}
