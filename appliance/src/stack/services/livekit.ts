import { LIVEKIT_SECRET_ENV, livekitSipConfig } from '../../config-files/livekit.ts';
import { ref } from '../secrets.ts';
import type { ServiceDefinition } from '../types.ts';
import { daemon, health, type StackContext } from './common.ts';

export const LIVEKIT_INTERNAL_URL = 'ws://livekit:7880';

export function livekit({ settings }: StackContext): ServiceDefinition {
  const { ports } = settings;
  return daemon({
    name: 'livekit',
    description: 'LiveKit server: rooms and media for browsers, the agent worker and phone legs',
    image: { repository: 'livekit/livekit-server', tag: 'v1.8.0' },
    command: ['--config', '/etc/livekit.yaml'],
    environment: LIVEKIT_SECRET_ENV,
    healthcheck: health(['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:7880/'], { intervalS: 3 }),
    dependsOn: { redis: 'service_healthy' },
    configFiles: [{ file: 'livekit.yaml', target: '/etc/livekit.yaml' }],
    ports: [
      {
        host: ports.livekit,
        container: 7880,
        protocol: 'tcp',
        bind: '0.0.0.0',
        purpose: 'LiveKit signalling (WebSocket)',
      },
      { host: ports.livekitRtcTcp, container: 7881, protocol: 'tcp', bind: '0.0.0.0', purpose: 'WebRTC over TCP' },
      {
        host: ports.livekitRtcUdp,
        container: ports.livekitRtcUdp,
        protocol: 'udp',
        bind: '0.0.0.0',
        purpose: 'WebRTC media (one multiplexed UDP port)',
      },
    ],
    resources: { cpus: 4, memoryMb: 2048 },
  });
}

export function livekitSip({ settings }: StackContext): ServiceDefinition {
  const { ports } = settings;
  return daemon({
    name: 'livekit-sip',
    description: 'LiveKit SIP: SIP trunks into LiveKit rooms (Twilio sip-mode numbers)',
    image: { repository: 'livekit/sip', tag: 'v0.9.0' },
    environment: {
      SIP_CONFIG_BODY: livekitSipConfig(settings),
      LIVEKIT_API_KEY: ref('LIVEKIT_API_KEY'),
      LIVEKIT_API_SECRET: ref('LIVEKIT_API_SECRET'),
    },
    healthcheck: health(
      ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/ || curl -fs http://127.0.0.1:8080/'],
      {
        intervalS: 5,
      },
    ),
    dependsOn: { redis: 'service_healthy', livekit: 'service_healthy' },
    ports: [
      { host: ports.sip, container: 5060, protocol: 'udp', bind: '0.0.0.0', purpose: 'SIP signalling (UDP)' },
      { host: ports.sip, container: 5060, protocol: 'tcp', bind: '0.0.0.0', purpose: 'SIP signalling (TCP)' },
      {
        host: ports.sipRtpStart,
        container: ports.sipRtpStart,
        count: ports.sipRtpCount,
        protocol: 'udp',
        bind: '0.0.0.0',
        purpose: 'SIP media (RTP range)',
      },
    ],
    resources: { cpus: 2, memoryMb: 1024 },
  });
}
