/**
 * Text sessions: the agent's real conversation code (`Conversation` → `AgentSession`) without a
 * room, for the console's chat test and automated evaluation. Each message runs one turn with
 * `session.run({ userInput })` and answers with the reply and the tool calls the turn made.
 */
import { randomUUID } from 'node:crypto';
import { type llm, voice } from '@livekit/agents';
import type {
  AgentRuntimeConfig,
  CallEndReason,
  ResolvedCredential,
  TextToolCall,
  WorkerTextMessage,
  WorkerTextReply,
  WorkerTextSessionCreate,
  WorkerTextSessionCreated,
  WorkerTextSessionEnded,
} from '@speaknode/contracts';
import type { Resolver } from '@speaknode/runtime/address-policy';
import { HttpProblem } from '@speaknode/runtime/problem';
import { type CallEndpoints, scopedReporter } from '../control/call-scope.ts';
import { ControlApiError } from '../control/control-client.ts';
import { APOLOGY_END, Conversation, type ConversationRuntime } from '../conversation/conversation.ts';
import { buildLlm, ProviderSetupError } from '../providers/providers.ts';

/** Who called the API: control (the AGENT_API_TOKEN holder) is the only caller that may pass an inline configuration. */
export interface ApiCaller {
  name: string;
  mayUseInlineConfig: boolean;
}

/** Receives a reply while it is produced (a streamed message): text in order, tools once they ran. */
export interface ReplyListener {
  onDelta(text: string): void;
  onToolCall(call: TextToolCall): void;
}

export interface RuntimeConfigSource {
  agentRuntimeConfig(agentId: string): Promise<AgentRuntimeConfig>;
}

export interface TextSessionManagerOptions {
  control?: RuntimeConfigSource & CallEndpoints;
  idleMs: number;
  maxSessions: number;
  resolver?: Resolver;
  log?: (message: string, extra?: Record<string, unknown>) => void;
  connOptions?: voice.AgentSessionOptions['connOptions'];
  /** Replaces the LLM built from the configuration (benchmark and tests of failure handling). */
  llmFactory?: (runtime: ConversationRuntime) => llm.LLM;
}

interface TextSession {
  id: string;
  /** What creating it answered (and answers again: a call's session starts once). */
  created: WorkerTextSessionCreated;
  conversation: Conversation;
  lastActive: number;
  busy: boolean;
  /** The listener of the message being answered, if it is streamed. */
  listener: ReplyListener | undefined;
}

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toolCallOf(name: string, args: string, output: string, isError: boolean): TextToolCall {
  return { name, arguments: parseArgs(args), ...(isError ? { error: output } : { output }) };
}

/**
 * The session's transcription output: with no room, the framework forwards the reply's text here
 * as the LLM streams it, which is what a streamed message sends on. (The framework's TextOutput
 * class is not exported; this has its shape.)
 */
function streamingTextOutput(session: () => TextSession | undefined) {
  return {
    async captureText(text: string | { text: string }) {
      session()?.listener?.onDelta(typeof text === 'string' ? text : text.text);
    },
    flush() {},
    onAttached() {},
    onDetached() {},
  };
}

export class TextSessionManager {
  private readonly sessions = new Map<string, TextSession>();
  /** Sessions of calls being started: a second request for the call waits for the first's start. */
  private readonly starting = new Map<string, Promise<TextSession>>();
  private draining = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: TextSessionManagerOptions) {
    this.sweeper = setInterval(() => this.sweepIdle(), Math.min(options.idleMs, 30_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  private log(message: string, extra?: Record<string, unknown>) {
    (this.options.log ?? ((m, e) => console.warn(m, e ?? '')))(message, extra);
  }

  private async runtimeFor(request: WorkerTextSessionCreate, caller: ApiCaller): Promise<ConversationRuntime> {
    if ('agentId' in request) {
      if (!this.options.control) throw HttpProblem.unavailable('control is not configured; pass an inline agent');
      let config: Awaited<ReturnType<RuntimeConfigSource['agentRuntimeConfig']>>;
      try {
        config = await this.options.control.agentRuntimeConfig(request.agentId);
      } catch (error) {
        if (error instanceof ControlApiError && error.status === 404) throw HttpProblem.notFound('no such agent');
        throw HttpProblem.unavailable(`the agent's configuration could not be loaded: ${(error as Error).message}`, 5);
      }
      if (config.spaceId !== request.spaceId) throw HttpProblem.notFound('no such agent');
      return config;
    }
    // An inline configuration names its own credentials and reachable hosts: only control may send one.
    if (!caller.mayUseInlineConfig) {
      throw HttpProblem.forbidden(`${caller.name} may not start a session from an inline configuration`);
    }
    const credentials: Record<string, ResolvedCredential> = {};
    for (const [id, credential] of Object.entries(request.credentials)) credentials[id] = { id, ...credential };
    return {
      agentId: randomUUID(),
      spaceId: request.spaceId ?? randomUUID(),
      agent: request.agent,
      tools: request.tools.map((tool) => ({ ...tool, id: tool.id ?? randomUUID() })),
      credentials,
      toolHostAllowList: request.toolHostAllowList,
    };
  }

  async create(request: WorkerTextSessionCreate, caller: ApiCaller): Promise<WorkerTextSessionCreated> {
    return (await this.open(request, caller)).created;
  }

  /**
   * The session of the request's call: the one that runs or is starting (control's create and the
   * call's first message can both ask), else a new one.
   */
  private open(request: WorkerTextSessionCreate, caller: ApiCaller): Promise<TextSession> {
    const callId = 'agentId' in request ? request.callId : undefined;
    const existing = callId ? (this.sessions.get(callId) ?? this.starting.get(callId)) : undefined;
    if (existing) {
      return Promise.resolve(existing).then((session) => {
        if (!('agentId' in request) || session.created.agentId !== request.agentId) {
          throw HttpProblem.conflict(`call ${callId} already has a text session of another agent`);
        }
        return session;
      });
    }
    if (this.draining) return Promise.reject(HttpProblem.unavailable('this agent worker is shutting down', 5));
    if (this.sessions.size + this.starting.size >= this.options.maxSessions) {
      return Promise.reject(
        HttpProblem.unavailable(`this worker already runs ${this.options.maxSessions} text sessions`, 10),
      );
    }
    const starting = this.runtimeFor(request, caller).then((runtime) =>
      this.start(callId ?? randomUUID(), runtime, callId),
    );
    if (!callId) return starting;
    // Registered before anything is awaited, so a request for the same call finds it.
    this.starting.set(callId, starting);
    const forget = () => {
      if (this.starting.get(callId) === starting) this.starting.delete(callId);
    };
    starting.then(forget, forget);
    return starting;
  }

  private async start(id: string, runtime: ConversationRuntime, callId: string | undefined): Promise<TextSession> {
    // Every post names the space and agent the session runs for: control refuses another space's call.
    const reporter =
      callId && this.options.control
        ? scopedReporter(this.options.control, { spaceId: runtime.spaceId, agentId: runtime.agentId })
        : undefined;
    let llmInstance: llm.LLM;
    try {
      llmInstance = this.options.llmFactory?.(runtime) ?? buildLlm(runtime.agent.llm, runtime.credentials);
    } catch (error) {
      if (error instanceof ProviderSetupError) {
        if (reporter && callId) {
          await reporter
            .callUpdate(callId, { status: 'failed', endReason: 'provider_error', failureReason: error.message })
            .catch((e: Error) => this.log(`could not report the failure: ${e.message}`));
        }
        throw new HttpProblem(422, 'Unprocessable Content', error.message, { component: error.component });
      }
      throw error;
    }
    const conversation = new Conversation({
      runtime,
      callId: id,
      reporter,
      mode: 'text',
      llm: llmInstance,
      resolver: this.options.resolver,
      log: this.options.log,
      connOptions: this.options.connOptions,
      onEnded: () => {
        this.sessions.delete(id);
      },
    });
    const session: TextSession = {
      id,
      created: { id, agentId: runtime.agentId, greeting: runtime.agent.greeting ?? null },
      conversation,
      lastActive: Date.now(),
      busy: false,
      listener: undefined,
    };
    conversation.session.output.transcription = streamingTextOutput(() =>
      this.sessions.get(id) === session ? session : undefined,
    ) as unknown as voice.AgentSession['output']['transcription'];
    conversation.session.on(voice.AgentSessionEventTypes.FunctionToolsExecuted, (ev) => {
      ev.functionCalls.forEach((call, i) => {
        const output = ev.functionCallOutputs[i];
        session.listener?.onToolCall(toolCallOf(call.name, call.args, output?.output ?? '', output?.isError ?? false));
      });
    });
    await conversation.start();
    this.sessions.set(id, session);
    return session;
  }

  /** The session `id`, waiting for it while it starts. */
  private async get(id: string): Promise<TextSession> {
    const session = this.sessions.get(id) ?? (await this.starting.get(id)?.catch(() => undefined));
    if (!session) throw HttpProblem.notFound(`no text session ${id} (it ended, idled out, or never existed)`);
    return session;
  }

  /**
   * Answers one message; a `listener` gets the reply while it is produced. With `start` (control's
   * call has not begun), a session the worker does not run yet is started first, by `caller`.
   */
  async message(
    id: string,
    text: string,
    options: { listener?: ReplyListener; start?: WorkerTextMessage['start']; caller?: ApiCaller } = {},
  ): Promise<WorkerTextReply> {
    const { listener, start, caller } = options;
    const session = start && caller ? await this.open({ ...start, callId: id }, caller) : await this.get(id);
    if (session.busy) throw HttpProblem.conflict('the previous message of this session is still being answered');
    session.busy = true;
    session.listener = listener;
    session.lastActive = Date.now();
    const { conversation } = session;
    try {
      let failure: Error | undefined;
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const result = await conversation.inContext(() => conversation.session.run({ userInput: text }).wait());
          const reply = this.replyOf(result.events);
          if (conversation.endRequestedReason !== undefined) {
            const outcome = await conversation.end('agent_hangup');
            return { ...reply, ended: true, endReason: outcome.endReason };
          }
          if (conversation.isEnded) {
            const outcome = await conversation.ended;
            return {
              ...reply,
              ended: true,
              endReason: outcome.endReason,
              ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}),
            };
          }
          return reply;
        } catch (error) {
          failure = error as Error;
          if (conversation.isEnded) break;
          this.log('a text-session turn failed; retrying once', { id, error: failure.message });
        }
      }
      const outcome = await conversation.end('provider_error', `LLM provider failed: ${failure?.message}`);
      return {
        reply: APOLOGY_END,
        toolCalls: [],
        ended: true,
        endReason: outcome.endReason,
        ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}),
      };
    } finally {
      session.busy = false;
      session.listener = undefined;
      session.lastActive = Date.now();
    }
  }

  private replyOf(events: voice.testing.RunEvent[]): WorkerTextReply {
    const texts: string[] = [];
    const calls = new Map<string, { name: string; args: string; output: string; isError: boolean }>();
    for (const event of events) {
      if (event.type === 'message' && event.item.role === 'assistant') {
        const text = event.item.textContent;
        if (text) texts.push(text);
      } else if (event.type === 'function_call') {
        calls.set(event.item.callId, { name: event.item.name, args: event.item.args, output: '', isError: false });
      } else if (event.type === 'function_call_output') {
        const call = calls.get(event.item.callId);
        if (call) {
          call.output = event.item.output;
          call.isError = event.item.isError;
        }
      }
    }
    return {
      reply: texts.join('\n'),
      toolCalls: [...calls.values()].map((c) => toolCallOf(c.name, c.args, c.output, c.isError)),
      ended: false,
    };
  }

  async end(
    id: string,
    reason: Extract<CallEndReason, 'caller_hangup' | 'silence_timeout' | 'canceled'> = 'caller_hangup',
  ): Promise<WorkerTextSessionEnded> {
    const session = await this.get(id);
    if (!this.sessions.delete(id)) throw HttpProblem.notFound(`text session ${id} has ended already`);
    const outcome = await session.conversation.end(reason);
    return { id, endReason: outcome.endReason, usage: outcome.usage, transcript: session.conversation.recorder.turns };
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const session of this.sessions.values()) {
      if (!session.busy && session.lastActive < cutoff) {
        void this.end(session.id, 'silence_timeout').catch(() => {});
      }
    }
  }

  /** Stops taking new sessions and ends the running ones. */
  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.end(id, 'canceled')));
  }
}
