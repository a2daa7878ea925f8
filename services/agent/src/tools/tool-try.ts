/**
 * One run of an HTTP tool for the console's Try it (contracts' tool-try.ts): the executor a
 * conversation uses (`callHttpTool`: template filling, address policy, timeout, response cap),
 * plus the request it sent, shown with the credential's secret redacted.
 */
import type { ResolvedCredential, ToolTryResult, WorkerToolRun } from '@speaknode/contracts';
import { HostAllowList, type Resolver } from '@speaknode/runtime/address-policy';
import { callHttpTool, fillRequest, HttpToolError, type RuntimeHttpTool, redact, secretsOf } from './http-tool.ts';

export async function tryHttpTool(run: WorkerToolRun, options: { resolver?: Resolver } = {}): Promise<ToolTryResult> {
  const tool: RuntimeHttpTool = { ...run.tool, id: run.tool.id ?? 'try' };
  const credentials: Record<string, ResolvedCredential> = {};
  for (const [id, credential] of Object.entries(run.credentials)) credentials[id] = { id, ...credential };
  const secrets = secretsOf(tool, credentials);
  const authHeaders = new Set([
    'authorization',
    ...(tool.auth.type === 'header' ? [tool.auth.header.toLowerCase()] : []),
  ]);

  let request: ToolTryResult['request'] = null;
  try {
    const filled = fillRequest(tool, run.arguments, credentials);
    request = {
      method: filled.method,
      url: redact(filled.url.toString(), secrets),
      headers: Object.fromEntries(
        Object.entries(filled.headers).map(([name, value]) => [
          name,
          authHeaders.has(name) && tool.auth.type !== 'none' ? '[redacted]' : redact(value, secrets),
        ]),
      ),
      body: filled.body === undefined ? null : redact(filled.body, secrets),
    };
  } catch (error) {
    if (!(error instanceof HttpToolError)) throw error;
    // The executor below fails the same way; the request is shown as null.
  }

  try {
    const result = await callHttpTool(tool, run.arguments, {
      credentials,
      allowList: new HostAllowList(run.toolHostAllowList),
      resolver: options.resolver,
    });
    return {
      request,
      response: { status: result.status, durationMs: Math.round(result.durationMs), output: result.output },
      error: null,
    };
  } catch (error) {
    if (!(error instanceof HttpToolError)) throw error;
    return {
      request,
      response: null,
      error: { kind: error.kind, message: error.message, status: error.status ?? null },
    };
  }
}
