import type { PhoneNumber } from '@speaknode/contracts';
import { z } from 'zod';

/** One value to paste into the provider's console, with where it goes. */
export const ProviderSetupField = z.object({
  label: z.string(),
  value: z.string(),
  where: z.string(),
});

/** What to set in Twilio's or VoxImplant's console for a number to reach Speaknode. */
export const ProviderSetup = z.object({
  phoneNumberId: z.uuid(),
  provider: z.enum(['twilio', 'voximplant']),
  mode: z.enum(['sip', 'stream']),
  fields: z.array(ProviderSetupField),
  notes: z.array(z.string()),
});
export type ProviderSetup = z.infer<typeof ProviderSetup>;

const trim = (url: string) => url.replace(/\/+$/, '');

/**
 * The provider-side settings for a number, from the public URLs of the webhook receiver and the
 * media bridge that control is configured with (WEBHOOKS_PUBLIC_URL, BRIDGE_PUBLIC_URL).
 */
export function providerSetup(
  number: Pick<PhoneNumber, 'id' | 'provider' | 'mode' | 'number' | 'credentialId'>,
  urls: { webhooks: string; bridge: string },
): ProviderSetup {
  const webhooks = trim(urls.webhooks);
  const bridge = trim(urls.bridge);
  const notes: string[] = [];
  if (number.provider === 'twilio') {
    const where = `Phone Numbers → Active numbers → ${number.number} → Voice configuration`;
    notes.push(
      number.mode === 'sip'
        ? 'SIP mode: the receiver answers with <Dial><Sip> to LiveKit SIP (the receiver’s LIVEKIT_SIP_URI); control keeps a LiveKit inbound trunk and dispatch rule for this number.'
        : `Stream mode: the receiver answers with <Connect><Stream> to the media bridge at ${bridge}/twilio, which Twilio must be able to reach.`,
      number.credentialId
        ? 'The receiver checks X-Twilio-Signature with the auth token of this number’s credential.'
        : 'No credential is attached: the receiver checks X-Twilio-Signature with its TWILIO_AUTH_TOKEN. Attach a twilio credential to use this account’s token.',
    );
    return {
      phoneNumberId: number.id,
      provider: number.provider,
      mode: number.mode,
      fields: [
        { label: 'A call comes in (Webhook, HTTP POST)', value: `${webhooks}/twilio/voice`, where },
        { label: 'Call status changes (HTTP POST)', value: `${webhooks}/twilio/status`, where },
      ],
      notes,
    };
  }
  const scenario = 'The VoxEngine scenario (services/voxengine/scenario/speaknode.voxengine.js), constants at its top';
  notes.push(
    `Route ${number.number} to the application that runs the scenario with a rule.`,
    'Set SPEAKNODE_ACCOUNT_ID to your VoxImplant account id and SPEAKNODE_SCENARIO_SECRET to the account’s scenarioSecret in the receiver’s VOXIMPLANT_ACCOUNTS.',
  );
  return {
    phoneNumberId: number.id,
    provider: number.provider,
    mode: number.mode,
    fields: [
      { label: 'Account callback URL', value: `${webhooks}/voximplant`, where: 'Settings → Callbacks' },
      { label: 'SPEAKNODE_WEBHOOK_URL', value: `${webhooks}/voximplant`, where: scenario },
      { label: 'SPEAKNODE_BRIDGE_URL', value: `${bridge}/voximplant`, where: scenario },
    ],
    notes,
  };
}
