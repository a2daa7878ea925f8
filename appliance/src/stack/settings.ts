import { z } from 'zod';
import { PROFILES } from './types.ts';

/**
 * What `speaknode init` asks for. Everything else (secrets, config files) is derived from it.
 *
 * TLS modes: `off` serves plain HTTP/WS on the domain's ports (a LAN trial); `external` means a
 * reverse proxy or load balancer in front terminates TLS and forwards `api.`, `hooks.`, `media.`,
 * `auth.` and `livekit.` subdomains of the domain to the published ports.
 */
export const TLS_MODES = ['off', 'external'] as const;

const port = z.number().int().min(1).max(65_535);

export const PublicPorts = z.object({
  control: port.default(8080),
  webhooks: port.default(8081),
  bridge: port.default(8082),
  keycloak: port.default(8180),
  livekit: port.default(7880),
  livekitRtcTcp: port.default(7881),
  /** LiveKit multiplexes all WebRTC media over this one UDP port (no port range to publish). */
  livekitRtcUdp: port.default(7882),
  sip: port.default(5060),
  sipRtpStart: port.default(10_000),
  /** Each SIP call uses RTP ports from this range; Docker starts a proxy per published port, so keep it modest. */
  sipRtpCount: z.number().int().min(10).max(20_000).default(200),
  langfuse: port.default(3000),
  lago: port.default(3001),
  minioConsole: port.default(9001),
});
export type PublicPorts = z.infer<typeof PublicPorts>;

export { PROVIDER_KEYS, type ProviderKey } from '../supervisor/reports.ts';

export const StackSettings = z.object({
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, 'lowercase letters, digits and dashes, starting with a letter')
    .default('speaknode'),
  domain: z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i,
      'a host name such as voice.example.com',
    ),
  tls: z.enum(TLS_MODES).default('off'),
  ports: PublicPorts.default(PublicPorts.parse({})),
  gpu: z.boolean().default(false),
  profiles: z.array(z.enum(PROFILES)).default([]),
  /** Where our own images come from (the offline bundle carries them). */
  imageRegistry: z.string().default('speaknode'),
  speaknodeVersion: z.string().default('0.1.0'),
  adminEmail: z.string().email().default('admin@example.com'),
  /**
   * The IPv4 address browsers and SIP peers reach this server at. Set, LiveKit announces it in its
   * ICE candidates; unset, LiveKit and LiveKit SIP discover it over STUN (needs internet access).
   */
  publicIp: z.ipv4().optional(),
  /**
   * A registry that mirrors Docker Hub and quay.io (`registry.example.local:5000`, or a Harbor proxy
   * project `harbor.example.local/hub`): third-party images are pulled from there instead.
   */
  registryMirror: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/i, 'a registry host, optional port and path, without https://')
    .optional(),
  /** Per service, a whole image reference that replaces the pinned one (pinned too: a tag or digest). */
  imageOverrides: z.record(z.string(), z.string()).default({}),
});
export type StackSettings = z.infer<typeof StackSettings>;
export type StackSettingsInput = z.input<typeof StackSettings>;

export interface PublicUrls {
  control: string;
  webhooks: string;
  bridgeWs: string;
  keycloak: string;
  /** The OIDC issuer as it appears in tokens. */
  issuer: string;
  livekitWs: string;
  sipHost: string;
  langfuse: string;
  lago: string;
}

export const REALM = 'speaknode';

export function publicUrls(settings: StackSettings): PublicUrls {
  const { domain, ports } = settings;
  const urls =
    settings.tls === 'external'
      ? {
          control: `https://api.${domain}`,
          webhooks: `https://hooks.${domain}`,
          bridgeWs: `wss://media.${domain}`,
          keycloak: `https://auth.${domain}`,
          livekitWs: `wss://livekit.${domain}`,
          langfuse: `https://langfuse.${domain}`,
          lago: `https://billing.${domain}`,
        }
      : {
          control: `http://${domain}:${ports.control}`,
          webhooks: `http://${domain}:${ports.webhooks}`,
          bridgeWs: `ws://${domain}:${ports.bridge}`,
          keycloak: `http://${domain}:${ports.keycloak}`,
          livekitWs: `ws://${domain}:${ports.livekit}`,
          langfuse: `http://${domain}:${ports.langfuse}`,
          lago: `http://${domain}:${ports.lago}`,
        };
  return { ...urls, issuer: `${urls.keycloak}/realms/${REALM}`, sipHost: domain };
}
