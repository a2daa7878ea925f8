import { createHash } from 'node:crypto';
import http from 'node:http';
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

/** Sends the official client's requests to `apiUrl` instead of api.twilio.com (a test server), over kept-alive connections. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly apiUrl: string) {
    super({ timeout: 10_000, keepAlive: true });
    // The official client sets only an https agent; a plain-http test server gets its own kept-alive one.
    (this as unknown as { axios: { defaults: { httpAgent?: unknown } } }).axios.defaults.httpAgent = new http.Agent({
      keepAlive: true,
      maxSockets: 100,
    });
  }

  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    const uri = new URL(opts.uri);
    const base = new URL(this.apiUrl);
    uri.protocol = base.protocol;
    uri.host = base.host;
    return super.request<TData>({ ...opts, uri: uri.href } as never);
  }
}

/** Accounts whose clients are kept (a space has a few; past this the cache starts again). */
const MAX_CLIENTS = 200;

/**
 * Twilio's REST API through the official `twilio` package: create an outbound call, hang one up.
 * `apiUrl` is https://api.twilio.com except against a test server. One request client (one
 * kept-alive connection pool) for all accounts, one Twilio client per account: a campaign places
 * hundreds of calls a second, and a TLS handshake per call would be most of the work.
 */
export class TwilioCalls {
  private readonly requestClient: twilio.RequestClient;
  private readonly clients = new Map<string, ReturnType<typeof twilio>>();

  constructor(apiUrl: string) {
    const official = new URL(apiUrl).host === 'api.twilio.com';
    this.requestClient = official
      ? new twilio.RequestClient({ timeout: 10_000, keepAlive: true })
      : new RebasedRequestClient(apiUrl);
  }

  private client(account: TwilioAccount) {
    const key = `${account.accountSid}:${createHash('sha256').update(account.authToken).digest('hex')}`;
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
      client = twilio(account.accountSid, account.authToken, { httpClient: this.requestClient });
      this.clients.set(key, client);
    }
    return client;
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
