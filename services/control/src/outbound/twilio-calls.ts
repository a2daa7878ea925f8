import twilio from 'twilio';

/** One Twilio account, as a phone number's credential holds it (kind `twilio`: secret = auth token). */
export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

export interface TwilioOutboundCall {
  from: string;
  to: string;
  /** The TwiML the call runs once answered (connect the media stream to the bridge). */
  twiml: string;
  statusCallback: string;
  /** With answering-machine detection: where Twilio posts `AnsweredBy` (asynchronous AMD). */
  answeringMachineCallback?: string;
}

/** Twilio refused a request: its HTTP status, its error code and message (https://www.twilio.com/docs/api/errors). */
export class TwilioRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Sends the official client's requests to `apiUrl` instead of api.twilio.com (a test server). */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly apiUrl: string) {
    super({ timeout: 10_000 });
  }

  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    const uri = new URL(opts.uri);
    const base = new URL(this.apiUrl);
    uri.protocol = base.protocol;
    uri.host = base.host;
    return super.request<TData>({ ...opts, uri: uri.href } as never);
  }
}

/**
 * Twilio's REST API through the official `twilio` package: create an outbound call, hang one up.
 * `apiUrl` is https://api.twilio.com except against a test server.
 */
export class TwilioCalls {
  constructor(private readonly apiUrl: string) {}

  private client(account: TwilioAccount) {
    const official = new URL(this.apiUrl).host === 'api.twilio.com';
    return twilio(account.accountSid, account.authToken, {
      ...(official ? {} : { httpClient: new RebasedRequestClient(this.apiUrl) }),
    });
  }

  async create(account: TwilioAccount, call: TwilioOutboundCall): Promise<{ sid: string; status: string }> {
    try {
      const created = await this.client(account).calls.create({
        from: call.from,
        to: call.to,
        twiml: call.twiml,
        statusCallback: call.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        ...(call.answeringMachineCallback
          ? {
              machineDetection: 'Enable',
              asyncAmd: 'true',
              asyncAmdStatusCallback: call.answeringMachineCallback,
              asyncAmdStatusCallbackMethod: 'POST',
            }
          : {}),
      });
      return { sid: created.sid, status: created.status };
    } catch (error) {
      throw refusalOf(error);
    }
  }

  /** Ends a call in any state (`status=completed`; Twilio cancels one that has not been answered). */
  async hangUp(account: TwilioAccount, sid: string): Promise<void> {
    try {
      await this.client(account).calls(sid).update({ status: 'completed' });
    } catch (error) {
      throw refusalOf(error);
    }
  }
}

function refusalOf(error: unknown): Error {
  if (error instanceof twilio.RestException) {
    return new TwilioRefusal(error.status, error.code, error.message);
  }
  return new TwilioRefusal(0, undefined, `Twilio could not be reached: ${(error as Error).message}`);
}
