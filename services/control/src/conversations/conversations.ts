import { join } from 'node:path';
import { Topics } from '@speaknode/contracts';
import type { BusSubscription } from '@speaknode/runtime/bus';
import { LagoClient } from '../billing/lago-client.ts';
import { UsageMetering } from '../billing/usage-metering.ts';
import { CallLifecycle } from '../calls-lifecycle/call-lifecycle.ts';
import type { ControlContext } from '../context.ts';
import { LivekitGateway, type RecordingTarget, type SipNumber } from '../livekit/livekit-gateway.ts';
import type { LivekitCredentials } from '../livekit/participant-token.ts';
import { WebhookDelivery } from '../outbound-webhooks/webhook-delivery.ts';
import { LocalDirectoryObjectStore, type ObjectStore, S3ObjectStore } from '../recordings/object-store.ts';
import { CallRecordWriter } from '../sessions/call-record-writer.ts';
import { SubscriptionEndpoints } from './subscription-endpoints.ts';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface ConversationsSettings {
  /** Widget session creation per client IP. */
  perIp: RateLimit;
  /** Widget session creation per agent (all visitors together). */
  perAgent: RateLimit;
  deliveryPollMs: number;
  meteringPollMs: number;
  reconcileMs: number;
  sipSyncMs: number;
}

export const DEFAULT_SETTINGS: ConversationsSettings = {
  perIp: { limit: 10, windowMs: 60_000 },
  perAgent: { limit: 300, windowMs: 60_000 },
  deliveryPollMs: 1_000,
  meteringPollMs: 2_000,
  reconcileMs: 15_000,
  sipSyncMs: 60_000,
};

/** The URL browsers and the bridge connect to: LiveKit's own URL, as ws(s). */
function clientUrlOf(url: string): string {
  return url.replace(/^http(s?):\/\//, 'ws$1://');
}

/**
 * Everything issue 4 adds to control, built once per ControlContext: the LiveKit adapter (when
 * configured), the recordings object store, outbound webhook delivery, Lago metering (when
 * configured) and the call lifecycle. Route modules share it; `start()` runs the bus consumers and
 * the pollers, `stop()` ends them.
 */
export class Conversations {
  private static readonly byContext = new WeakMap<ControlContext, Conversations>();

  readonly livekit: { gateway: LivekitGateway; credentials: LivekitCredentials; clientUrl: string } | null;
  readonly objectStore: ObjectStore;
  readonly recordingTarget: RecordingTarget | null;
  readonly delivery: WebhookDelivery;
  readonly metering: UsageMetering | null;
  readonly lifecycle: CallLifecycle;
  readonly settings: ConversationsSettings;
  readonly callWriter: CallRecordWriter;
  private subscriptions: BusSubscription[] = [];
  private timers: NodeJS.Timeout[] = [];
  private started = false;

  static of(ctx: ControlContext, settings: Partial<ConversationsSettings> = {}): Conversations {
    let conversations = Conversations.byContext.get(ctx);
    if (!conversations) {
      conversations = new Conversations(ctx, { ...DEFAULT_SETTINGS, ...settings });
      Conversations.byContext.set(ctx, conversations);
    }
    return conversations;
  }

  private constructor(
    private readonly ctx: ControlContext,
    settings: ConversationsSettings,
  ) {
    const { config } = ctx;
    this.settings = settings;
    this.callWriter = new CallRecordWriter(ctx.pool);
    if (config.LIVEKIT_URL && config.LIVEKIT_API_KEY && config.LIVEKIT_API_SECRET) {
      const credentials = { apiKey: config.LIVEKIT_API_KEY, apiSecret: config.LIVEKIT_API_SECRET };
      this.livekit = {
        gateway: new LivekitGateway(config.LIVEKIT_URL, credentials),
        credentials,
        clientUrl: clientUrlOf(config.LIVEKIT_URL),
      };
    } else {
      this.livekit = null;
    }
    if (config.S3_ENDPOINT && config.S3_ACCESS_KEY && config.S3_SECRET_KEY) {
      const s3 = {
        endpoint: config.S3_ENDPOINT,
        bucket: config.S3_BUCKET,
        accessKey: config.S3_ACCESS_KEY,
        secretKey: config.S3_SECRET_KEY,
      };
      this.objectStore = new S3ObjectStore(s3);
      this.recordingTarget = { kind: 's3', ...s3 };
    } else {
      const directory = join(config.SPEAKNODE_DATA_DIR, 'recordings');
      this.objectStore = new LocalDirectoryObjectStore({ directory, publicBaseUrl: config.PUBLIC_BASE_URL ?? '' });
      // Egress writes on its own host: only useful where it shares this directory (single-box installs).
      this.recordingTarget = { kind: 'file', directory };
    }
    const log = (message: string, detail?: unknown) => ctx.log.warn(message, { detail: String(detail) });
    this.delivery = new WebhookDelivery({ pool: ctx.pool, endpoints: new SubscriptionEndpoints(ctx), log });
    this.metering =
      config.LAGO_API_URL && config.LAGO_API_KEY
        ? new UsageMetering({
            pool: ctx.pool,
            lago: new LagoClient({ apiUrl: config.LAGO_API_URL, apiKey: config.LAGO_API_KEY }),
            log,
          })
        : null;
    this.lifecycle = new CallLifecycle({
      pool: ctx.pool,
      livekit: this.livekit?.gateway ?? null,
      recordingTarget: this.recordingTarget,
      nudge: () => ctx.relay.nudge(),
      log: ctx.log,
    });
  }

  private sipSync: Promise<void> = Promise.resolve();

  /**
   * Makes LiveKit SIP's trunks and dispatch rules match the SIP-mode numbers in control. Runs one at
   * a time (start, timer and number changes can ask together), each reading the numbers afresh.
   */
  syncSip(): Promise<void> {
    const run = this.sipSync.then(() => this.syncSipOnce());
    this.sipSync = run.catch(() => {});
    return run;
  }

  private async syncSipOnce(): Promise<void> {
    if (!this.livekit) return;
    const { rows } = await this.ctx.pool.query<SipNumber>(
      `SELECT id AS "phoneNumberId", space_id AS "spaceId", agent_id AS "agentId", number
       FROM phone_numbers WHERE mode = 'sip' ORDER BY created_at`,
    );
    const result = await this.livekit.gateway.syncSipNumbers(rows);
    if (result.created.length + result.updated.length + result.deleted.length > 0) {
      this.ctx.log.info('LiveKit SIP trunks and dispatch rules updated', { ...result });
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { bus, log } = this.ctx;
    this.subscriptions.push(
      await bus.subscribe({
        group: 'control-call-lifecycle',
        topics: [Topics.webhooksTwilio, Topics.webhooksVoximplant, Topics.webhooksLivekit],
        handler: (delivered) => this.lifecycle.handle(delivered),
      }),
      await bus.subscribe({
        group: 'control-outbound-webhooks',
        topics: [Topics.controlEvents],
        handler: async ({ event }) => {
          await this.delivery.enqueue(event);
        },
      }),
      await bus.subscribe({
        group: 'control-sip-sync',
        topics: [Topics.controlEvents],
        fromBeginning: false,
        handler: async ({ event }) => {
          if (event.type === 'resource.changed' && (event.data as { resource?: string }).resource === 'phone_number') {
            await this.syncSip().catch((error) =>
              log.warn('LiveKit SIP sync failed; retried later', { error: String(error) }),
            );
          }
        },
      }),
    );
    if (this.metering) {
      const metering = this.metering;
      this.subscriptions.push(
        await bus.subscribe({
          group: 'control-billing',
          topics: [Topics.controlEvents],
          handler: async ({ event }) => {
            await metering.enqueue(event);
          },
        }),
      );
      metering.start(this.settings.meteringPollMs);
    }
    this.delivery.start(this.settings.deliveryPollMs);
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => {
        work().catch((error) => log.warn('background task failed', { error: String(error) }));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.settings.reconcileMs, () => this.lifecycle.reconcile());
    if (this.livekit) {
      every(this.settings.sipSyncMs, () => this.syncSip());
      this.syncSip().catch((error) => log.warn('LiveKit SIP sync failed; retried later', { error: String(error) }));
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    this.subscriptions = [];
    await this.delivery.stop();
    await this.metering?.stop();
  }
}
