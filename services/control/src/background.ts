import { Topics } from '@speaknode/contracts';
import type { BusSubscription } from '@speaknode/runtime/bus';
import { CampaignDialler } from './campaigns/dialler.ts';
import type { ControlContext } from './context.ts';
import { SipNumberSync } from './livekit/sip-sync.ts';
import { OutboundCalls } from './outbound/outbound-calls.ts';

/**
 * What control does besides answering requests: the bus consumers (telephony and LiveKit events →
 * calls, platform events → outbound webhooks and Lago, phone-number changes → LiveKit SIP) and the
 * pollers (webhook delivery, Lago sending, the reconcile loop, SIP sync). `startControl` starts it
 * after the context is built and stops it before the database closes.
 */
export class BackgroundWork {
  private subscriptions: BusSubscription[] = [];
  private timers: NodeJS.Timeout[] = [];
  readonly sip: SipNumberSync | null;
  /** Answering-machine results for outbound calls. */
  private readonly outbound: OutboundCalls;
  /** Places the calls of running campaigns (every `settings.campaignDialMs`). */
  readonly campaigns: CampaignDialler;

  constructor(private readonly ctx: ControlContext) {
    this.outbound = new OutboundCalls(ctx);
    this.campaigns = new CampaignDialler(ctx.pool, this.outbound, { nudge: () => ctx.relay.nudge(), log: ctx.log });
    this.sip = ctx.livekit ? new SipNumberSync(ctx.pool, ctx.livekit.gateway, ctx.log) : null;
  }

  async start(): Promise<void> {
    const { bus, log, settings, callLifecycle, delivery, metering } = this.ctx;
    const sip = this.sip;
    const warnLater = (what: string) => (error: unknown) =>
      log.warn(`${what}; retried later`, { error: String(error) });
    this.subscriptions.push(
      await bus.subscribe({
        group: 'control-call-lifecycle',
        topics: [Topics.webhooksTwilio, Topics.webhooksVoximplant, Topics.webhooksLivekit],
        handler: (delivered) => callLifecycle.handle(delivered),
      }),
      await bus.subscribe({
        group: 'control-outbound-calls',
        topics: [Topics.webhooksTwilio],
        handler: ({ event }) =>
          event.type === 'twilio.callback' ? this.outbound.onTwilioCallback(event.data as never) : Promise.resolve(),
      }),
      await bus.subscribe({
        group: 'control-outbound-webhooks',
        topics: [Topics.controlEvents],
        handler: async ({ event }) => {
          await delivery.enqueue(event);
        },
      }),
    );
    if (sip) {
      this.subscriptions.push(
        await bus.subscribe({
          group: 'control-sip-sync',
          topics: [Topics.controlEvents],
          fromBeginning: false,
          handler: async ({ event }) => {
            if (
              event.type === 'resource.changed' &&
              (event.data as { resource?: string }).resource === 'phone_number'
            ) {
              await sip.sync().catch(warnLater('LiveKit SIP sync failed'));
            }
          },
        }),
      );
    }
    if (metering) {
      this.subscriptions.push(
        await bus.subscribe({
          group: 'control-billing',
          topics: [Topics.controlEvents],
          handler: async ({ event }) => {
            await metering.enqueue(event);
          },
        }),
      );
      metering.start(settings.meteringPollMs);
    }
    delivery.start(settings.deliveryPollMs);
    this.every(settings.reconcileMs, () => callLifecycle.reconcile());
    this.campaigns.start(settings.campaignDialMs);
    if (sip) {
      this.every(settings.sipSyncMs, () => sip.sync());
      sip.sync().catch(warnLater('LiveKit SIP sync failed'));
    }
  }

  private every(ms: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      work().catch((error) => this.ctx.log.warn('background task failed', { error: String(error) }));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.campaigns.stop();
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    this.subscriptions = [];
    await this.ctx.delivery.stop();
    await this.ctx.metering?.stop();
  }
}
