/**
 * An OpenAI-compatible chat completions endpoint for tests that run the real agent worker against
 * control: it streams chunks (text deltas word by word, tool-call deltas, a usage chunk) as
 * api.openai.com, vLLM and Ollama do, and answers what `reply` says for each request.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content?: unknown }>;
  tools?: unknown[];
}

export type ChatReply = { text: string } | { toolCall: { name: string; arguments: Record<string, unknown> } };

export interface OpenAIChatServer {
  url: string;
  requests: ChatRequest[];
  reply: (request: ChatRequest) => ChatReply;
  close(): Promise<void>;
}

/** The text of the last user message; whether the last message is a tool's result. */
export function lastUserText(request: ChatRequest): string {
  const message = [...request.messages].reverse().find((m) => m.role === 'user');
  if (typeof message?.content === 'string') return message.content;
  if (Array.isArray(message?.content)) return message.content.map((p) => (p as { text?: string }).text ?? '').join('');
  return '';
}
export const lastIsToolResult = (request: ChatRequest) => request.messages.at(-1)?.role === 'tool';

export async function startOpenAIChatServer(reply: OpenAIChatServer['reply']): Promise<OpenAIChatServer> {
  const state: Omit<OpenAIChatServer, 'url' | 'close'> = { requests: [], reply };
  let served = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return res.writeHead(404).end();
      const request = JSON.parse(body) as ChatRequest;
      state.requests.push(request);
      const answer = state.reply(request);
      const base = { id: `chatcmpl-${++served}`, object: 'chat.completion.chunk', created: 0, model: request.model };
      const send = (delta: unknown, finish: string | null = null) =>
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      send({ role: 'assistant', content: '' });
      if ('text' in answer) {
        for (const piece of answer.text.match(/\S+\s*/g) ?? [answer.text]) send({ content: piece });
      } else {
        send({
          tool_calls: [
            {
              index: 0,
              id: `call_${served}`,
              type: 'function',
              function: { name: answer.toolCall.name, arguments: JSON.stringify(answer.toolCall.arguments) },
            },
          ],
        });
      }
      send({}, 'text' in answer ? 'stop' : 'tool_calls');
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
