/**
 * The console's shared state: the API client, the signed-in user's spaces and the current one
 * (kept across reloads), and the caller's role in it, which decides what pages offer to edit.
 */
import { type ControlClient, type Schemas, unwrap } from './api/control-client.ts';
import type { WebhooksClient } from './api/webhooks-client.ts';

export type Space = Schemas['Space'];
export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };
const CURRENT_SPACE = 'speaknode.space';

class ConsoleState {
  client = $state.raw<ControlClient | undefined>(undefined);
  /** The webhook receiver's admin API, through control (`/webhooks/admin/v1/…`). */
  webhooksClient = $state.raw<WebhooksClient | undefined>(undefined);
  spaces = $state<Space[]>([]);
  spaceId = $state<string | undefined>(globalThis.localStorage?.getItem(CURRENT_SPACE) ?? undefined);
  role = $state<Role | undefined>(undefined);
  subject = $state<string | undefined>(undefined);
  /** Control's LiveKit URL (`/console/config.json`); null: LiveKit is not configured, no voice tests. */
  livekitUrl = $state<string | null>(null);
  space = $derived(this.spaces.find((s) => s.id === this.spaceId));

  get api(): ControlClient {
    if (!this.client) throw new Error('not signed in');
    return this.client;
  }

  get webhooks(): WebhooksClient {
    if (!this.webhooksClient) throw new Error('not signed in');
    return this.webhooksClient;
  }

  /** At least `role` in the current space (what decides whether edit controls show). */
  can(role: Role): boolean {
    return this.role !== undefined && ROLE_RANK[this.role] >= ROLE_RANK[role];
  }

  async loadSpaces(): Promise<void> {
    const { items } = unwrap(await this.api.GET('/api/v1/spaces', { params: { query: { limit: 200 } } }));
    this.spaces = items;
    if (!this.spaces.some((s) => s.id === this.spaceId)) this.select(this.spaces[0]?.id);
    else await this.loadRole();
  }

  select(spaceId: string | undefined): void {
    this.spaceId = spaceId;
    if (spaceId) globalThis.localStorage?.setItem(CURRENT_SPACE, spaceId);
    else globalThis.localStorage?.removeItem(CURRENT_SPACE);
    void this.loadRole();
  }

  private async loadRole(): Promise<void> {
    const space = this.space as (Space & { role?: Role }) | undefined;
    this.role = space?.role;
  }
}

export const consoleState = new ConsoleState();
