/**
 * A local OpenAI-compatible chat completions server for tests and the benchmark: streams SSE
 * chunks (text deltas, tool-call deltas, a usage chunk) the way api.openai.com, vLLM and Ollama
 * do, so the real `@livekit/agents-plugin-openai` client talks to it unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  stream?: boolean;
  [key: string]: unknown;
}

export interface ScriptedReply {
  text?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Answer with this HTTP status and an OpenAI-style error body instead. */
  status?: number;
  /** Never answer (the client's timeout fires). */
  hang?: boolean;
  /** Answer after this long. */
  delayMs?: number;
}

export type ReplyScript = (request: ChatRequest, index: number) => ScriptedReply;

export interface OpenAICompatibleServer {
  url: string;
  requests: ChatRequest[];
  /** Authorization headers seen, in order. */
  authorizations: Array<string | undefined>;
  setScript(script: ReplyScript): void;
  close(): Promise<void>;
}

/** The text of the last user message of a request. */
export function lastUserText(request: ChatRequest): string {
  const message = [...request.messages].reverse().find((m) => m.role === 'user');
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map((p) => (p as { text?: string }).text ?? '').join('');
  }
  return '';
}

/** Whether the request carries a tool result (the model is being asked to follow up on a tool call). */
export function lastIsToolResult(request: ChatRequest): boolean {
  return request.messages.at(-1)?.role === 'tool';
}

function chunk(res: ServerResponse, payload: unknown): void {
  res.write(`data: ${JSON.stringify(payload)}\n\n`);
}

export async function startOpenAICompatibleServer(initial: ReplyScript): Promise<OpenAICompatibleServer> {
  let script = initial;
  const requests: ChatRequest[] = [];
  const authorizations: Array<string | undefined> = [];
  const sockets = new Set<import('node:net').Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const request = JSON.parse(body) as ChatRequest;
    const index = requests.length;
    requests.push(request);
    authorizations.push(req.headers.authorization);
    const reply = script(request, index);
    if (reply.hang) return;
    if (reply.delayMs) {
      setTimeout(() => respond(res, request, index, { ...reply, delayMs: 0 }), reply.delayMs);
      return;
    }
    respond(res, request, index, reply);
  };

  const respond = (res: ServerResponse, request: ChatRequest, index: number, reply: ScriptedReply) => {
    if (reply.status) {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `scripted ${reply.status}`, type: 'invalid_request_error' } }));
      return;
    }
    const id = `chatcmpl-${index}`;
    const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: request.model };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    chunk(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (reply.text) {
      for (const piece of reply.text.match(/\S+\s*/g) ?? [reply.text]) {
        chunk(res, { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
      }
    }
    (reply.toolCalls ?? []).forEach((call, i) => {
      const args = JSON.stringify(call.arguments);
      const half = Math.floor(args.length / 2);
      chunk(res, {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: i,
                  id: `call_${index}_${i}`,
                  type: 'function',
                  function: { name: call.name, arguments: args.slice(0, half) },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      });
      chunk(res, {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: i, function: { arguments: args.slice(half) } }] },
            finish_reason: null,
          },
        ],
      });
    });
    const finish = reply.toolCalls?.length ? 'tool_calls' : 'stop';
    chunk(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    const completion = Math.max(1, Math.ceil((reply.text ?? '').length / 4));
    chunk(res, {
      ...base,
      choices: [],
      usage: { prompt_tokens: 20, completion_tokens: completion, total_tokens: 20 + completion },
    });
    res.write('data: [DONE]\n\n');
    res.end();
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => handle(req, res, body));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    authorizations,
    setScript(next) {
      script = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
