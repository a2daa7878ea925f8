import { z } from 'zod';

/** One request a sender made to an inbound route, as the admin API shows it. */
export const RouteDelivery = z.object({
  at: z.string().describe('when the request arrived (ISO 8601)'),
  status: z.number().int().describe('the HTTP status the sender was answered'),
  outcome: z
    .enum(['accepted', 'no_rule', 'unauthorized', 'refused', 'failed'])
    .describe(
      'accepted: spooled for the bus; no_rule: acknowledged and dropped; unauthorized: credentials wrong; refused: a bad body; failed: the spool could not take it',
    ),
  contentType: z.string().nullable(),
  bytes: z.number().int(),
  rule: z.string().nullable().describe('the routing rule that matched'),
  topic: z.string().nullable(),
  eventId: z.string().nullable().describe("the bus event's id"),
  detail: z.string().nullable().describe('why it was not accepted'),
});
export type RouteDelivery = z.infer<typeof RouteDelivery>;

/**
 * The last requests of each route, in this process's memory: what the console shows an admin who is
 * wiring up a sender ("did it arrive, and what happened to it"). Not durable and not shared between
 * replicas; what was accepted is on the bus, which is the record.
 */
export class RouteDeliveries {
  private readonly byRoute = new Map<string, RouteDelivery[]>();

  constructor(
    private readonly perRoute = 50,
    private readonly maxRoutes = 10_000,
  ) {}

  record(routeKey: string, delivery: RouteDelivery): void {
    let list = this.byRoute.get(routeKey);
    if (!list) {
      if (this.byRoute.size >= this.maxRoutes) {
        const oldest = this.byRoute.keys().next().value;
        if (oldest !== undefined) this.byRoute.delete(oldest);
      }
      list = [];
      this.byRoute.set(routeKey, list);
    }
    list.unshift(delivery);
    if (list.length > this.perRoute) list.length = this.perRoute;
  }

  /** Newest first. */
  list(routeKey: string): RouteDelivery[] {
    return [...(this.byRoute.get(routeKey) ?? [])];
  }

  forget(routeKey: string): void {
    this.byRoute.delete(routeKey);
  }
}
