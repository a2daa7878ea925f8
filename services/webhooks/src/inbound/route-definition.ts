import { Id, Topics } from '@speaknode/contracts';
import { z } from 'zod';

/** The URL segment senders post to: `POST /in/{routeKey}`. */
export const RouteKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{2,63}$/, 'must be 3–64 characters of a-z, 0-9, - and _, starting with a letter or digit');

const Secret = z.string().min(16, 'must be at least 16 characters').max(512);

export const RouteAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('bearer'), token: Secret }),
  z.object({ type: z.literal('basic'), username: z.string().min(1).max(200), password: Secret }),
  z.object({
    type: z.literal('hmac'),
    /** The header carrying the signature, e.g. `X-Hub-Signature-256`. */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an HTTP header name')
      .transform((h) => h.toLowerCase()),
    secret: Secret,
    algorithm: z.enum(['sha256', 'sha1', 'sha512']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the digest in the header, e.g. `sha256=` (GitHub). */
    prefix: z.string().max(32).default(''),
  }),
]);
export type RouteAuth = z.infer<typeof RouteAuth>;

/** A dotted path into the JSON body, e.g. `data.object.id`. */
const JsonPath = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted path like data.object.id');

export const RouteFilter = z
  .object({
    path: JsonPath,
    /** Matches when the value at `path` equals this (JSON equality). */
    equals: z.unknown().optional(),
    /** Matches when the value at `path` is one of these. */
    in: z.array(z.unknown()).min(1).max(100).optional(),
    /** Matches when a value is (true) or is not (false) at `path`. */
    exists: z.boolean().optional(),
  })
  .refine((f) => [f.equals !== undefined, f.in !== undefined, f.exists !== undefined].filter(Boolean).length === 1, {
    message: 'a filter needs exactly one of equals, in, exists',
  });
export type RouteFilter = z.infer<typeof RouteFilter>;

const InboundTopic = z.enum([
  Topics.webhooksInbound,
  Topics.webhooksTwilio,
  Topics.webhooksVoximplant,
  Topics.webhooksLivekit,
]);

export const RoutingRule = z.object({
  /** Shown in the console and in the answer to the sender. */
  name: z.string().min(1).max(100),
  topic: InboundTopic.default(Topics.webhooksInbound),
  /** Every filter must match (JSON bodies only); no filters matches every request. */
  filters: z.array(RouteFilter).max(20).default([]),
  transform: z
    .object({
      /** The envelope's subject (message key), e.g. the sender's conversation id. */
      subjectPath: JsonPath.optional(),
      /** The sender's own event id: the bus event id becomes `inbound:<routeKey>:<value>`, so its retries are duplicates. */
      idPath: JsonPath.optional(),
      /** Keep only these fields of the body, renamed: `{ "callId": "data.call.id" }`. */
      pick: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/), JsonPath).optional(),
    })
    .default({}),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

export const InboundRouteInput = z.object({
  key: RouteKey,
  spaceId: Id,
  description: z.string().max(500).default(''),
  enabled: z.boolean().default(true),
  auth: RouteAuth,
  /** Tried in order; the first whose filters match decides. No rule matching: the request is acknowledged and dropped. */
  rules: z
    .array(RoutingRule)
    .min(1)
    .max(20)
    .default([{ name: 'default', topic: Topics.webhooksInbound, filters: [], transform: {} }]),
});
export type InboundRouteInput = z.infer<typeof InboundRouteInput>;

/** A change to a route: only the fields given change (no defaults here, unlike creation). */
export const InboundRoutePatch = z.object({
  description: z.string().max(500).optional(),
  enabled: z.boolean().optional(),
  auth: RouteAuth.optional(),
  rules: z.array(RoutingRule).min(1).max(20).optional(),
});
export type InboundRoutePatch = z.infer<typeof InboundRoutePatch>;

export interface InboundRoute extends InboundRouteInput {
  createdAt: string;
  updatedAt: string;
}

/** What the admin API shows: secrets are never sent back, only that they are set. */
export function redactRoute(route: InboundRoute): Omit<z.infer<typeof InboundRouteView>, 'url'> {
  const { auth, ...rest } = route;
  const hidden = '********' as const;
  const redacted =
    auth.type === 'none'
      ? auth
      : auth.type === 'bearer'
        ? { type: auth.type, token: hidden }
        : auth.type === 'basic'
          ? { type: auth.type, username: auth.username, password: hidden }
          : { ...auth, secret: hidden };
  return { ...rest, auth: redacted };
}

const Redacted = z.literal('********').describe('set, and never shown');

/** A route's auth as the admin API answers it: secrets replaced by `********`. */
export const RouteAuthView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('bearer'), token: Redacted }),
  z.object({ type: z.literal('basic'), username: z.string(), password: Redacted }),
  z.object({
    type: z.literal('hmac'),
    header: z.string(),
    secret: Redacted,
    algorithm: z.enum(['sha256', 'sha1', 'sha512']),
    encoding: z.enum(['hex', 'base64']),
    prefix: z.string(),
  }),
]);

/** What the admin API answers for a route. */
export const InboundRouteView = z.object({
  key: z.string(),
  /** Where the sender posts: the receiver's PUBLIC_BASE_URL + `/in/{key}`. */
  url: z.string(),
  spaceId: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  auth: RouteAuthView,
  rules: z.array(RoutingRule),
  createdAt: z.string(),
  updatedAt: z.string(),
});
