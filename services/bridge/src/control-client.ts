/**
 * Control's internal API as the bridge uses it (`getCall`, `participantToken`, `reachable`): runtime's
 * one `ControlInternalClient` (one token source, one 401 refresh, one retry policy), shared with the
 * agent worker and the webhook receiver.
 */
import { ControlInternalClient, type ControlInternalClientOptions } from '@speaknode/runtime/control-internal';

export {
  type BearerTokenSource as TokenSource,
  ControlApiError as ControlError,
} from '@speaknode/runtime/control-internal';

export class ControlClient extends ControlInternalClient {
  constructor(options: ControlInternalClientOptions) {
    // A caller is waiting on the line: a short timeout and one retry, not the default three.
    super({ timeoutMs: 5_000, attempts: 2, ...options });
  }
}
