import type { TelephonyProvider } from '@speaknode/contracts';
import { signStreamToken } from '@speaknode/contracts/node';

/** Where a provider streams a call's audio, and the parameters the bridge needs with it. */
export interface BridgeStream {
  url: string;
  customParameters: { callId: string; streamToken?: string };
}

/**
 * The media bridge endpoint for `provider` under BRIDGE_PUBLIC_URL, with the call id and (when a
 * stream secret is configured) the stream token the bridge checks. One place for both providers.
 */
export function bridgeStream(
  bridgePublicUrl: string,
  provider: TelephonyProvider,
  callId: string,
  streamSecret: string | undefined,
): BridgeStream {
  return {
    url: `${bridgePublicUrl.replace(/\/+$/, '')}/${provider}`,
    customParameters: {
      callId,
      ...(streamSecret ? { streamToken: signStreamToken(streamSecret, callId) } : {}),
    },
  };
}
