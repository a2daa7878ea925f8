import type { OutboundEventType } from '@speaknode/contracts';
import type { ControlContext } from '../context.ts';
import { webhookSecretContext } from '../resources/webhooks.ts';
import type { DeliveryEndpoint, DeliveryEndpointStore } from './webhook-delivery.ts';

interface SubscriptionRow {
  id: string;
  space_id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  secret_ciphertext: string;
  webhook_host_allow_list: string[];
}

/** Delivery endpoints read from the control API's `webhook_subscriptions`, secrets decrypted in memory only. */
export class SubscriptionEndpoints implements DeliveryEndpointStore {
  constructor(private readonly ctx: Pick<ControlContext, 'pool' | 'cipher' | 'log'>) {}

  private toEndpoint(row: SubscriptionRow): DeliveryEndpoint | null {
    try {
      return {
        id: row.id,
        spaceId: row.space_id,
        url: row.url,
        secret: this.ctx.cipher.decrypt(row.secret_ciphertext, webhookSecretContext(row.space_id, row.id)),
        enabled: row.enabled,
        eventTypes: row.event_types,
        hostAllowList: row.webhook_host_allow_list,
      };
    } catch (error) {
      this.ctx.log.error('webhook subscription secret does not decrypt', { id: row.id, error: String(error) });
      return null;
    }
  }

  async matching(spaceId: string, eventType: OutboundEventType): Promise<DeliveryEndpoint[]> {
    const { rows } = await this.ctx.pool.query<SubscriptionRow>(
      `SELECT w.id, w.space_id, w.url, w.event_types, w.enabled, w.secret_ciphertext, s.webhook_host_allow_list
       FROM webhook_subscriptions w JOIN spaces s ON s.id = w.space_id
       WHERE w.space_id = $1 AND w.enabled AND (jsonb_array_length(w.event_types) = 0 OR w.event_types ? $2)`,
      [spaceId, eventType],
    );
    return rows.map((row) => this.toEndpoint(row)).filter((e): e is DeliveryEndpoint => e !== null);
  }

  async get(id: string): Promise<DeliveryEndpoint | null> {
    const { rows } = await this.ctx.pool.query<SubscriptionRow>(
      `SELECT w.id, w.space_id, w.url, w.event_types, w.enabled, w.secret_ciphertext, s.webhook_host_allow_list
       FROM webhook_subscriptions w JOIN spaces s ON s.id = w.space_id WHERE w.id = $1`,
      [id],
    );
    return rows[0] ? this.toEndpoint(rows[0]) : null;
  }

  async disable(id: string, reason: string): Promise<void> {
    await this.ctx.pool.query(
      'UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1',
      [id, reason],
    );
  }
}
