import type { OutboundEventType } from '@speaknode/contracts';
import type { DeliveryEndpoint, DeliveryEndpointStore } from './webhook-delivery.ts';

/** Subscriptions held in memory: for tests of delivery without the control API's webhooks resource. */
export class MemoryDeliveryEndpoints implements DeliveryEndpointStore {
  readonly endpoints = new Map<string, DeliveryEndpoint & { disabledReason?: string }>();

  add(endpoint: DeliveryEndpoint): DeliveryEndpoint {
    this.endpoints.set(endpoint.id, { ...endpoint });
    return endpoint;
  }

  async matching(spaceId: string, eventType: OutboundEventType) {
    return [...this.endpoints.values()].filter(
      (e) => e.spaceId === spaceId && e.enabled && (e.eventTypes.length === 0 || e.eventTypes.includes(eventType)),
    );
  }

  async get(id: string) {
    return this.endpoints.get(id) ?? null;
  }

  async disable(id: string, reason: string) {
    const endpoint = this.endpoints.get(id);
    if (endpoint) {
      endpoint.enabled = false;
      endpoint.disabledReason = reason;
    }
  }
}
