import {
  AddressRefusedError,
  HostAllowList,
  type Resolver,
  resolveAllowedAddress,
} from '@speaknode/runtime/address-policy';

/**
 * Where outbound webhooks may go: the same address policy as HTTP tools (runtime's
 * address-policy), with the space's `webhookHostAllowList` as the exceptions, and `https` only
 * unless the host is on that list. Checked when a subscription is saved and again, after DNS
 * resolution, on every delivery (the connection pinned to the checked address).
 */
export class WebhookEndpointRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookEndpointRefused';
  }
}

const HINT = "add the host to the space's webhookHostAllowList to allow it";

/** Throws `WebhookEndpointRefused` when `url` is not an endpoint this space may deliver to. */
export function assertWebhookScheme(url: URL, allowList: HostAllowList): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && allowList.allowsHost(url.hostname)) return;
  throw new WebhookEndpointRefused(
    `webhooks are delivered over https only; ${url.protocol}//${url.hostname} is not allowed (${HINT} over http)`,
  );
}

/**
 * The save-time check: scheme, then the host's addresses. A name that does not resolve now is
 * accepted (delivery checks it again); one that resolves to a refused address is not.
 */
export async function assertWebhookEndpoint(
  url: string,
  allowEntries: readonly string[],
  resolver?: Resolver,
): Promise<void> {
  const target = new URL(url);
  const allowList = new HostAllowList(allowEntries);
  assertWebhookScheme(target, allowList);
  try {
    await resolveAllowedAddress(target.hostname, allowList, resolver);
  } catch (error) {
    if (error instanceof AddressRefusedError) {
      throw new WebhookEndpointRefused(
        `${error.host} resolves to ${error.address}, a ${error.addressClass} address; ${HINT}`,
      );
    }
    // Not resolvable at the moment: delivery resolves and checks again.
  }
}
