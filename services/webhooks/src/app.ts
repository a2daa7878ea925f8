import type { OidcVerifier } from '@speaknode/runtime/auth';
import { HttpProblem, notFoundHandler, problemErrorHandler } from '@speaknode/runtime/problem';
import express, { type ErrorRequestHandler, type Express, Router } from 'express';
import { buildAdminOpenApiDocument } from './admin-openapi.ts';
import type { EventIntake } from './event-intake.ts';
import { adminRouter, DEFAULT_ADMIN_ROLE } from './inbound/admin-router.ts';
import { inboundRouter } from './inbound/inbound-router.ts';
import { RouteDeliveries } from './inbound/route-deliveries.ts';
import type { RouteStore } from './inbound/route-store.ts';
import type { SpaceAccess } from './inbound/space-access.ts';
import { livekitRouter } from './livekit/livekit-router.ts';
import { BadBodyError, MAX_BODY_BYTES, refuseDeclaredOversizedBodies } from './request-body.ts';
import { deadLetterRouter } from './spool/dead-letter-router.ts';
import type { Spool } from './spool/spool.ts';
import type { RelayState } from './spool/spool-relay.ts';
import type { NumberDirectory } from './twilio/number-directory.ts';
import { twilioRouter } from './twilio/twilio-router.ts';
import type { VoximplantAccount } from './voximplant/voximplant-accounts.ts';
import { voximplantRouter } from './voximplant/voximplant-router.ts';

export interface WebhooksAppOptions {
  publicBaseUrl: string;
  bridgePublicUrl: string;
  livekitSipUri?: string | undefined;
  twilioAuthToken?: string | undefined;
  /** SPEAKNODE_STREAM_SECRET: signs the token each phone media stream shows the bridge. */
  streamSecret?: string | undefined;
  livekitApiKey?: string | undefined;
  livekitApiSecret?: string | undefined;
  voximplantAccounts: Map<string, VoximplantAccount>;
  spool: Spool;
  intake: EventIntake;
  relayState: () => RelayState;
  /** Asks the bus whether it can take events now (reported by /readyz, with a 2 s limit). */
  busPing?: () => Promise<boolean>;
  numbers: NumberDirectory;
  routes: RouteStore;
  /** Without one the admin API answers 503: it never runs unauthenticated. */
  adminVerifier?: OidcVerifier | undefined;
  adminRole?: string;
  /** Who may do what in a space: control's answer for the caller's token. */
  spaces: SpaceAccess;
  log?: (message: string) => void;
}

/** Room a typical event needs: with less left, /readyz says the spool no longer accepts. */
const READY_HEADROOM_BYTES = 65_536;

export function createWebhooksApp(options: WebhooksAppOptions): Express {
  const log = options.log ?? ((message: string) => console.warn(message));
  const app = express();
  app.disable('x-powered-by');

  app.use(
    refuseDeclaredOversizedBodies(MAX_BODY_BYTES, (path) =>
      path.startsWith('/twilio')
        ? { type: 'text/plain', body: 'the request body is over the 1 MiB limit' }
        : {
            type: 'application/problem+json',
            body: JSON.stringify({
              type: 'about:blank',
              title: 'Content Too Large',
              status: 413,
              detail: `the declared body is over the ${MAX_BODY_BYTES} byte limit`,
            }),
          },
    ),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const reachable = options.busPing ? await pingWithin(options.busPing, 2_000) : null;
    const depth = options.spool.depth();
    const bus = options.relayState();
    const accepting =
      depth.bytes + depth.deadLetterBytes + Math.min(READY_HEADROOM_BYTES, depth.maxBytes / 8) <= depth.maxBytes;
    res.status(accepting ? 200 : 503).json({
      status: accepting ? (bus.busUp ? 'ok' : 'degraded') : 'spool_full',
      spool: { events: depth.events, bytes: depth.bytes, maxBytes: depth.maxBytes, accepting },
      deadLetters: {
        count: options.spool.deadLetters.count,
        bytes: depth.deadLetterBytes,
        setAsideSinceStart: bus.deadLettered,
      },
      bus: {
        up: bus.busUp,
        reachable,
        published: bus.published,
        lastError: bus.lastError ?? null,
        lastErrorAt: bus.lastErrorAt ?? null,
        retryInMs: bus.retryInMs,
      },
    });
  });

  app.get('/metrics', (_req, res) => {
    const depth = options.spool.depth();
    const bus = options.relayState();
    res.type('text/plain; version=0.0.4').send(
      prometheusText([
        ['webhooks_spool_events', 'gauge', 'Accepted events not yet on the bus', depth.events],
        ['webhooks_spool_bytes', 'gauge', 'Bytes of accepted events not yet on the bus', depth.bytes],
        ['webhooks_spool_max_bytes', 'gauge', 'SPOOL_MAX_BYTES', depth.maxBytes],
        ['webhooks_bus_up', 'gauge', '1 while the last publish succeeded', bus.busUp ? 1 : 0],
        ['webhooks_relay_published_total', 'counter', 'Events the relay published since start', bus.published],
        [
          'webhooks_dead_letters',
          'gauge',
          'Events the bus refused, kept in the dead-letter segment',
          options.spool.deadLetters.count,
        ],
        ['webhooks_dead_lettered_total', 'counter', 'Events set aside as dead letters since start', bus.deadLettered],
      ]),
    );
  });

  app.use(
    '/twilio',
    twilioRouter({
      publicBaseUrl: options.publicBaseUrl,
      bridgePublicUrl: options.bridgePublicUrl,
      livekitSipUri: options.livekitSipUri,
      authToken: options.twilioAuthToken,
      streamSecret: options.streamSecret,
      numbers: options.numbers,
      intake: options.intake,
      log,
    }),
  );
  app.use(
    '/voximplant',
    voximplantRouter({
      accounts: options.voximplantAccounts,
      intake: options.intake,
      bridgePublicUrl: options.bridgePublicUrl,
      streamSecret: options.streamSecret,
    }),
  );
  app.use(
    '/livekit',
    livekitRouter({ apiKey: options.livekitApiKey, apiSecret: options.livekitApiSecret, intake: options.intake }),
  );
  const deliveries = new RouteDeliveries();
  app.use('/in', inboundRouter({ routes: options.routes, intake: options.intake, deliveries }));
  let adminOpenApi: string | undefined;
  app.get('/admin/v1/openapi.json', (_req, res) => {
    adminOpenApi ??= JSON.stringify(buildAdminOpenApiDocument());
    res.type('application/json').send(adminOpenApi);
  });
  if (options.adminVerifier) {
    app.use(
      '/admin/v1/dead-letters',
      deadLetterRouter({
        spool: options.spool,
        verifier: options.adminVerifier,
        adminRole: options.adminRole ?? DEFAULT_ADMIN_ROLE,
      }),
    );
    app.use(
      '/admin/v1/routes',
      adminRouter({
        routes: options.routes,
        verifier: options.adminVerifier,
        spaces: options.spaces,
        deliveries,
        publicBaseUrl: options.publicBaseUrl,
        ...(options.adminRole ? { adminRole: options.adminRole } : {}),
      }),
    );
  } else {
    const unavailable = Router();
    unavailable.use(() => {
      throw HttpProblem.unavailable('the admin API needs SPEAKNODE_OIDC_ISSUER to be configured');
    });
    app.use('/admin/v1/routes', unavailable);
    app.use('/admin/v1/dead-letters', unavailable);
  }

  app.use(notFoundHandler);
  // Body errors thrown by the parsers' helpers become problems like any other.
  app.use(((error, _req, _res, next) => {
    next(
      error instanceof BadBodyError
        ? new HttpProblem(error.status, error.status === 415 ? 'Unsupported Media Type' : 'Bad Request', error.message)
        : error,
    );
  }) as ErrorRequestHandler);
  app.use(problemErrorHandler((message, error) => log(`${message}: ${(error as Error)?.stack ?? String(error)}`)));
  return app;
}

async function pingWithin(ping: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ping().catch(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function prometheusText(
  metrics: Array<[name: string, type: 'gauge' | 'counter', help: string, value: number]>,
): string {
  return metrics
    .map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`)
    .join('');
}
