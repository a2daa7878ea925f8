import { envString, envUrl } from './env.ts';

/** What control needs to place outbound calls (services/control/src/outbound). */
export const outboundCallEnv = {
  WEBHOOKS_PUBLIC_URL: envUrl(
    "the webhook receiver's public URL (its PUBLIC_BASE_URL): providers send outbound calls' status callbacks there",
  ).default('http://127.0.0.1:8081'),
  BRIDGE_PUBLIC_URL: envUrl('the public WebSocket URL of the media bridge, e.g. wss://media.example.com', [
    'ws',
    'wss',
  ]).default('ws://127.0.0.1:8082'),
  TWILIO_API_URL: envUrl("Twilio's REST API base URL; change it only for a test server").default(
    'https://api.twilio.com',
  ),
  VOXIMPLANT_API_URL: envUrl("VoxImplant's HTTP API base URL; change it only for a test server").default(
    'https://api.voximplant.com/platform_api',
  ),
  LIVEKIT_SIP_OUTBOUND_TRUNK_ID: envString(
    'the LiveKit SIP outbound trunk (ST_…) that places calls from sip-mode numbers (lk sip outbound create)',
  ).optional(),
};
