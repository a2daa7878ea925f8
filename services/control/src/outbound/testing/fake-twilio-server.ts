import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTwilioCall {
  sid: string;
  accountSid: string;
  status: string;
  /** The form parameters of the Calls create request, as Twilio received them. */
  params: Record<string, string[]>;
}

/**
 * A local server speaking the part of Twilio's REST API (2010-04-01) outbound calls use, as
 * documented: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (form-encoded `To`, `From`, one
 * of `Url`/`Twiml`/`ApplicationSid`) answers 201 with the call resource; `POST
 * …/Calls/{CallSid}.json` with `Status=completed` ends it. HTTP Basic auth with the account SID and
 * auth token; errors are Twilio's JSON `{code, message, more_info, status}`.
 */
export class FakeTwilioServer {
  readonly calls: FakeTwilioCall[] = [];
  /** Set to make the next create fail like Twilio does (e.g. 21215: geo permissions). */
  refuseNext: { status: number; code: number; message: string } | undefined;
  private server: Server | undefined;

  constructor(readonly accounts: Record<string, string>) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeTwilioServer is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server!.once('listening', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fail = (status: number, code: number, message: string): void => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
    };
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Calls(?:\/(CA[0-9a-f]{32}))?\.json$/.exec(
      (req.url ?? '').split('?')[0]!,
    );
    if (!match || req.method !== 'POST') return fail(404, 20404, `The requested resource ${req.url} was not found`);
    const accountSid = match[1]!;
    const [user, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .split(':');
    if (user !== accountSid || !this.accounts[accountSid] || this.accounts[accountSid] !== password) {
      return fail(401, 20003, 'Authenticate');
    }
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
      return fail(400, 20001, 'the body must be form-encoded');
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const params: Record<string, string[]> = {};
    for (const [k, v] of form) params[k] = [...(params[k] ?? []), v];
    if (match[2]) {
      const call = this.calls.find((c) => c.sid === match[2] && c.accountSid === accountSid);
      if (!call) return fail(404, 20404, `The requested resource ${req.url} was not found`);
      if (form.get('Status')) call.status = form.get('Status')!;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(resource(call)));
    }
    if (!form.get('To')) return fail(400, 21201, "No 'To' number is specified");
    if (!form.get('From')) return fail(400, 21213, "No 'From' number is specified");
    if (!form.get('Url') && !form.get('Twiml') && !form.get('ApplicationSid')) {
      return fail(400, 21205, 'Url parameter is required.');
    }
    if (this.refuseNext) {
      const refusal = this.refuseNext;
      this.refuseNext = undefined;
      return fail(refusal.status, refusal.code, refusal.message);
    }
    const call: FakeTwilioCall = { sid: `CA${randomBytes(16).toString('hex')}`, accountSid, status: 'queued', params };
    this.calls.push(call);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(resource(call)));
  }
}

function resource(call: FakeTwilioCall) {
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    to: call.params.To?.[0],
    from: call.params.From?.[0],
    status: call.status,
    direction: 'outbound-api',
    api_version: '2010-04-01',
    uri: `/2010-04-01/Accounts/${call.accountSid}/Calls/${call.sid}.json`,
  };
}
