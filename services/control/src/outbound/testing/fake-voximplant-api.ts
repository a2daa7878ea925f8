import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking VoxImplant's HTTP API for `StartScenarios` as documented: form-encoded
 * (or query) `account_id`, `api_key`, `rule_id`, `script_custom_data`; answers `{result: 1,
 * media_session_access_url, media_session_access_secure_url, call_session_history_id}` or, for a
 * bad key or rule, `{error: {code, msg}}` (with HTTP 200, as VoxImplant does).
 */
export class FakeVoximplantApi {
  readonly started: { accountId: string; ruleId: string; customData: string }[] = [];
  private server: Server | undefined;

  constructor(readonly accounts: Record<string, { apiKey: string; ruleIds: string[] }>) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeVoximplantApi is not listening');
    return `http://127.0.0.1:${address.port}/platform_api`;
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
    const url = new URL(req.url ?? '/', 'http://x');
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params.set(k, v);
    const answer = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (!/^\/platform_api\/StartScenarios\/?$/.test(url.pathname)) {
      res.writeHead(404).end();
      return;
    }
    const accountId = params.get('account_id') ?? '';
    const account = this.accounts[accountId];
    if (!account || params.get('api_key') !== account.apiKey) {
      answer({ error: { code: 100, msg: 'Authorization failed' } });
      return;
    }
    const ruleId = params.get('rule_id') ?? '';
    if (!account.ruleIds.includes(ruleId)) {
      answer({ error: { code: 181, msg: `The rule ${ruleId} is not found` } });
      return;
    }
    const customData = params.get('script_custom_data') ?? '';
    this.started.push({ accountId, ruleId, customData });
    const session = 1000 + this.started.length;
    answer({
      result: 1,
      media_session_access_url: `http://media.voximplant.example/${session}`,
      media_session_access_secure_url: `https://media.voximplant.example/${session}`,
      call_session_history_id: session,
    });
  }
}
