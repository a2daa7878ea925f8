import { stringify } from 'yaml';
import { ref } from '../stack/secrets.ts';
import { SERVICE_PORTS } from '../stack/services/speaknode.ts';
import type { StackSettings } from '../stack/settings.ts';

/** Where the webhook receiver takes LiveKit's room and egress webhooks. */
export const LIVEKIT_WEBHOOK_PATH = '/livekit';

/** `livekit.yaml`: keys, Redis, the RTC port range, webhooks to our receiver. */
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
    redis: { address: 'redis:6379', password: ref('REDIS_PASSWORD') },
    keys: { [ref('LIVEKIT_API_KEY')]: ref('LIVEKIT_API_SECRET') },
    webhook: {
      api_key: ref('LIVEKIT_API_KEY'),
      urls: [`http://webhooks:${SERVICE_PORTS.webhooks}${LIVEKIT_WEBHOOK_PATH}`],
    },
    // Auto-create stays on: LiveKit SIP joins rooms with tokens that carry no `roomCreate`, and a
    // join of a room nobody created first would fail with 404. (Control creates its rooms first anyway.)
    room: { auto_create: true, empty_timeout: 300 },
  });
}

/** The LiveKit SIP service's config (`SIP_CONFIG_FILE`). */
export function livekitSipConfig(settings: StackSettings): string {
  const { ports } = settings;
  return stringify({
    api_key: ref('LIVEKIT_API_KEY'),
    api_secret: ref('LIVEKIT_API_SECRET'),
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
