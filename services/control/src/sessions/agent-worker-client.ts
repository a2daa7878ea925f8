import {
  AgentWorkerPaths,
  type TextStreamEvent,
  TextStreamEvents,
  ToolTryResult,
  type WorkerTextMessage,
  WorkerTextReply,
  type WorkerTextSessionCreate,
  WorkerTextSessionCreated,
  WorkerTextSessionEnded,
  type WorkerToolRun,
} from '@speaknode/contracts';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { z } from 'zod';

/** The worker answered with an error, or could not be reached (`status` 0). `detail` is the worker's own. */
export class AgentWorkerError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(
      status === 0
        ? `the agent worker could not be reached: ${detail}`
        : `the agent worker answered ${status}: ${detail}`,
    );
    this.name = 'AgentWorkerError';
  }
}

export interface AgentWorkerClientOptions {
  /** The worker's API, e.g. `http://agent:8083` (AGENT_URL). */
  baseUrl: string;
  /** Control's token for it (AGENT_API_TOKEN). */
  apiToken: string;
  /** How long a request may take before the worker counts as unreachable (a turn includes the LLM and tools). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Control's side of the agent worker's text-session API (contracts' text-session.ts), always with
 * control's token. Answers are validated with the contract schemas.
 */
export class AgentWorkerClient {
  constructor(private readonly options: AgentWorkerClientOptions) {}

  private async send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiToken}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new AgentWorkerError(0, cause?.code ?? (error as Error).message);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let detail = text.slice(0, 500);
      try {
        detail = (JSON.parse(text) as { detail?: string; title?: string }).detail ?? detail;
      } catch {}
      throw new AgentWorkerError(res.status, detail || res.statusText);
    }
    return res;
  }

  private async json<T extends z.ZodType>(res: Response, schema: T): Promise<z.output<T>> {
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success)
      throw new AgentWorkerError(502, 'the agent worker answered something that is not in its contract');
    return parsed.data;
  }

  async create(request: WorkerTextSessionCreate) {
    return this.json(await this.send('POST', AgentWorkerPaths.textSessions, request), WorkerTextSessionCreated);
  }

  async message(sessionId: string, message: WorkerTextMessage) {
    return this.json(await this.send('POST', AgentWorkerPaths.textMessages(sessionId), message), WorkerTextReply);
  }

  /**
   * The reply as the worker streams it. Refusals before the turn starts throw `AgentWorkerError`;
   * afterwards every event is yielded in order, validated, ending with `done` or `error`.
   */
  async *messageStream(sessionId: string, message: WorkerTextMessage): AsyncGenerator<TextStreamEvent> {
    const res = await this.send('POST', AgentWorkerPaths.textMessages(sessionId), message, 'text/event-stream');
    if (!res.body) throw new AgentWorkerError(502, 'the agent worker sent no stream');
    const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    for await (const message of events) {
      const name = message.event as keyof typeof TextStreamEvents;
      const schema = name === 'done' ? WorkerTextReply : TextStreamEvents[name];
      if (!schema) continue;
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        throw new AgentWorkerError(502, `the agent worker sent an event that is not JSON (${name})`);
      }
      const parsed = schema.safeParse(data);
      if (!parsed.success) throw new AgentWorkerError(502, `the agent worker sent a malformed ${name} event`);
      yield { event: name, data: parsed.data } as TextStreamEvent;
      if (name === 'done' || name === 'error') return;
    }
    throw new AgentWorkerError(502, 'the agent worker ended the stream before the reply was done');
  }

  /** One run of an HTTP tool (the console's Try it). */
  async runTool(run: WorkerToolRun) {
    return this.json(await this.send('POST', AgentWorkerPaths.toolRuns, run), ToolTryResult);
  }

  async end(sessionId: string) {
    return this.json(await this.send('DELETE', AgentWorkerPaths.textSession(sessionId)), WorkerTextSessionEnded);
  }
}
