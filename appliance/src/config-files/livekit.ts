import { stringify } from 'yaml';
import { ref } from '../stack/secrets.ts';
import { SERVICE_PORTS } from '../stack/services/speaknode.ts';
import type { StackSettings } from '../stack/settings.ts';

/**
 * LiveKit server's secrets come from its environment, not from livekit.yaml: `LIVEKIT_KEYS`
 * ("key: secret") and `REDIS_PASSWORD` are flags of livekit-server, and every config field has a
 * generated `LIVEKIT_<path>` variable (`webhook.api_key` → `LIVEKIT_WEBHOOK_API_KEY`).
 */
export const LIVEKIT_SECRET_ENV = {
  LIVEKIT_KEYS: `${ref('LIVEKIT_API_KEY')}: ${ref('LIVEKIT_API_SECRET')}`,
  REDIS_PASSWORD: ref('REDIS_PASSWORD'),
  LIVEKIT_WEBHOOK_API_KEY: ref('LIVEKIT_API_KEY'),
};

/** Where the webhook receiver takes LiveKit's room and egress webhooks. */
export const LIVEKIT_WEBHOOK_PATH = '/livekit';

/** `livekit.yaml`: Redis, the RTC ports, webhooks to our receiver (keys and passwords: `LIVEKIT_SECRET_ENV`). */
export function livekitConfig(settings: StackSettings): string {
  const { ports } = settings;
  return stringify({
    port: 7880,
    // `log_level` is deprecated.
    logging: { level: 'info' },
    // One multiplexed UDP port, published 1:1, so the bridge network needs no port range. Inside a
    // container LiveKit only sees its bridge address: it must announce the host's, given or via STUN.
    rtc: {
      tcp_port: 7881,
      udp_port: ports.livekitRtcUdp,
      ...(settings.publicIp ? { node_ip: settings.publicIp, use_external_ip: false } : { use_external_ip: true }),
    },
    redis: { address: 'redis:6379' },
    webhook: { urls: [`http://webhooks:${SERVICE_PORTS.webhooks}${LIVEKIT_WEBHOOK_PATH}`] },
    // Auto-create stays on: LiveKit SIP joins rooms with tokens that carry no `roomCreate`, and a
    // join of a room nobody created first would fail with 404. (Control creates its rooms first anyway.)
    room: { auto_create: true, empty_timeout: 300 },
  });
}

/**
 * The LiveKit SIP service's config. It goes to the container as `SIP_CONFIG_BODY` rather than a file:
 * its Redis password has no variable of its own (the API key and secret do: `LIVEKIT_API_KEY`,
 * `LIVEKIT_API_SECRET`), so a file would hold a secret.
 */
export function livekitSipConfig(settings: StackSettings): string {
  const { ports } = settings;
  return stringify({
    ws_url: 'ws://livekit:7880',
    redis: { address: 'redis:6379', password: ref('REDIS_PASSWORD') },
    sip_port: 5060,
    rtp_port: `${ports.sipRtpStart}-${ports.sipRtpStart + ports.sipRtpCount - 1}`,
    // The address SIP peers reach: given (or derived at init), else discovered over STUN. Never both.
    ...(settings.publicIp ? { nat_1_to_1_ip: settings.publicIp } : { use_external_ip: true }),
    health_port: 8080,
    logging: { level: 'info' },
  });
}
