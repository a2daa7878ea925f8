import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  CallChannel,
  CallEndReason,
  TextReply,
  TextSessionEnded,
  TextStreamEvent,
  TextToolCall,
  WorkerTextMessage,
  WorkerTextReply,
} from '@speaknode/contracts';
import { HttpProblem } from '@speaknode/runtime/problem';
import { CALL_COLUMNS, type CallRow, isFinished } from '../calls/call-store.ts';
import { type CallMove, moveCall } from '../calls/call-transitions.ts';
import type { ControlContext } from '../context.ts';
import { inWriteTransaction } from '../http/write.ts';
import { type AgentWorkerClient, AgentWorkerError } from './agent-worker-client.ts';

export interface TextSessionRow {
  id: string;
  call_id: string;
  space_id: string;
  agent_id: string;
  channel: Extract<CallChannel, 'test' | 'widget'>;
  token_hash: string | null;
  created_at: Date;
}

/** A session and its call, as a request finds them. */
export interface OpenTextSession {
  session: TextSessionRow;
  call: CallRow;
}

const SESSION_FIELDS = ['id', 'call_id', 'space_id', 'agent_id', 'channel', 'token_hash', 'created_at'];
const CALL_FIELDS = CALL_COLUMNS.split(',').map((column) => column.trim());
/** A session and its call (of the session's space) in one row, their columns prefixed `s.` and `c.`. */
const FIND_SESSION = `SELECT ${SESSION_FIELDS.map((f) => `s.${f} AS "s.${f}"`).join(', ')},
  ${CALL_FIELDS.map((f) => `c.${f} AS "c.${f}"`).join(', ')}
  FROM text_sessions s JOIN calls c ON c.id = s.call_id AND c.space_id = s.space_id
  WHERE s.id = $1 AND s.agent_id = $2`;

function splitSessionRow(row: Record<string, unknown>): OpenTextSession {
  const part = (prefix: string, fields: string[]) =>
    Object.fromEntries(fields.map((field) => [field, row[`${prefix}.${field}`]]));
  return {
    session: part('s', SESSION_FIELDS) as unknown as TextSessionRow,
    call: part('c', CALL_FIELDS) as unknown as CallRow,
  };
}

/** Who reads the reply: the console sees what the tools got and returned; a widget visitor only which ran. */
export type ReplyAudience = 'console' | 'visitor';

const SESSION_TOKEN_PREFIX = 'st_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function toolCallFor(call: TextToolCall, audience: ReplyAudience): TextToolCall {
  return audience === 'console' ? call : { name: call.name };
}

/** The reply as the client gets it: without the worker's failure reason (that goes on the call record). */
export function replyFor(reply: WorkerTextReply, audience: ReplyAudience): TextReply {
  return {
    reply: reply.reply,
    toolCalls: reply.toolCalls.map((call) => toolCallFor(call, audience)),
    ended: reply.ended,
    ...(reply.endReason ? { endReason: reply.endReason } : {}),
  };
}

function eventFor(event: TextStreamEvent, audience: ReplyAudience): TextStreamEvent {
  if (event.event === 'tool_call') return { event: 'tool_call', data: toolCallFor(event.data, audience) };
  if (event.event === 'done') return { event: 'done', data: replyFor(event.data, audience) };
  return event;
}

/**
 * Text conversations through control, for the console's Testing page and the widget. Each is a call
 * (channel `test` or `widget`, transport `text`) that the agent worker runs as a text session of the
 * same id with the agent's configuration from control; the worker posts the transcript, status and
 * usage to the call like any voice call's, so events, outbound webhooks and billing are those of any
 * call. Control calls the worker with its token (AGENT_API_TOKEN); without one, text sessions answer 503.
 */
export class TextSessions {
  constructor(
    private readonly ctx: Pick<ControlContext, 'pool' | 'callInserter' | 'relay' | 'log'>,
    private readonly worker: AgentWorkerClient | null,
  ) {}

  /** The worker's API client (also the tool runs of the console's Try it); 503 when it is not configured. */
  get agentWorker(): AgentWorkerClient {
    if (!this.worker) {
      throw HttpProblem.unavailable(
        "text sessions need the agent worker's API: set AGENT_API_TOKEN on control (and AGENT_URL), the same token as the worker's AGENT_API_TOKEN",
      );
    }
    return this.worker;
  }

  /** Starts a conversation: the call record, the session, the worker's text session (which says the greeting). */
  async start(request: {
    spaceId: string;
    agentId: string;
    channel: TextSessionRow['channel'];
    /** Widget sessions get a token that authorises this session only. */
    withToken: boolean;
    /**
     * Answer once the session is recorded, with the agent's greeting as control has it, while the
     * worker starts its session (a widget visitor's first message is on its way meanwhile, and
     * carries what the worker needs to start the session if control's request has not). Without
     * it the answer waits for the worker, so an agent that cannot start is refused at once (the
     * console's 422).
     */
    answerBeforeWorker?: { greeting: string | null };
  }): Promise<{ sessionId: string; callId: string; greeting: string | null; sessionToken?: string }> {
    const worker = this.agentWorker;
    const callId = randomUUID();
    const sessionId = randomUUID();
    const sessionToken = request.withToken
      ? `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
      : undefined;
    await this.ctx.callInserter.insert({
      id: callId,
      spaceId: request.spaceId,
      agentId: request.agentId,
      channel: request.channel,
      transport: 'text',
      status: 'created',
      roomName: '',
    });
    // The session row is what the session's later requests find; the worker's session needs only
    // the call, so the console's waits for both at once.
    const recorded = this.ctx.pool
      .query(
        `INSERT INTO text_sessions (id, call_id, space_id, agent_id, channel, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          sessionId,
          callId,
          request.spaceId,
          request.agentId,
          request.channel,
          sessionToken ? hashToken(sessionToken) : null,
        ],
      )
      .then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
    if (request.answerBeforeWorker) {
      const failed = await recorded;
      if (failed) {
        await this.failUnrecorded(callId);
        throw failed.error;
      }
      // Asked once the answer is on its way (the route answers as soon as this returns). A failure
      // goes on the call, and the session's next message is answered from it.
      setImmediate(() => {
        this.startInWorker(worker, request, callId).catch((error: Error) =>
          this.ctx.log.warn('the agent worker did not start a text session', { callId, error: error.message }),
        );
      });
      const greeting = request.answerBeforeWorker.greeting;
      return { sessionId, callId, greeting, ...(sessionToken ? { sessionToken } : {}) };
    }
    const { greeting } = await this.startInWorker(worker, request, callId);
    const failed = await recorded;
    if (failed) {
      await this.failUnrecorded(callId);
      // The worker lets its session go.
      await worker.end(callId).catch(() => {});
      throw failed.error;
    }
    return { sessionId, callId, greeting, ...(sessionToken ? { sessionToken } : {}) };
  }

  /** Without its row nobody can reach the session: the call fails. */
  private async failUnrecorded(callId: string): Promise<void> {
    await this.finish(callId, {
      to: 'failed',
      endReason: 'error',
      failureReason: 'control could not record the text session',
    });
  }

  /**
   * The worker's session of the call. When the worker refuses it or cannot be reached, the call
   * fails with the worker's reason and the client's problem is thrown.
   */
  private async startInWorker(
    worker: AgentWorkerClient,
    request: { spaceId: string; agentId: string; channel: TextSessionRow['channel'] },
    callId: string,
  ) {
    try {
      return await worker.create({ agentId: request.agentId, spaceId: request.spaceId, callId });
    } catch (error) {
      if (!(error instanceof AgentWorkerError)) throw error;
      // A provider that cannot start (422): the worker has failed the call with its reason already.
      await this.finish(callId, {
        to: 'failed',
        endReason: 'provider_error',
        failureReason: `the agent worker could not start the conversation: ${error.detail}`,
      });
      if (error.status === 422 && request.channel === 'test') {
        throw new HttpProblem(422, 'Unprocessable Content', `the agent cannot start: ${error.detail}`);
      }
      throw HttpProblem.unavailable(
        error.status === 0
          ? 'the agent worker cannot be reached; try again shortly'
          : 'the agent cannot take a conversation right now; try again shortly',
        5,
      );
    }
  }

  /**
   * The session `sessionId` of `agentId`, when it is `spaceId`'s (console) or `token` is its token
   * (widget); otherwise 404, exactly like a session that does not exist.
   */
  async find(
    sessionId: string,
    scope: { agentId: string } & ({ spaceId: string } | { token: string | undefined }),
  ): Promise<OpenTextSession> {
    const missing = HttpProblem.notFound(`no session ${sessionId}`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    if (!uuid.test(sessionId) || !uuid.test(scope.agentId)) throw missing;
    // One round trip for the session and its call (every message of a conversation asks).
    const { rows } = await this.ctx.pool.query<Record<string, unknown>>(FIND_SESSION, [sessionId, scope.agentId]);
    if (!rows[0]) throw missing;
    const { session, call } = splitSessionRow(rows[0]);
    if ('spaceId' in scope) {
      if (session.space_id !== scope.spaceId || session.channel !== 'test') throw missing;
    } else {
      const given = scope.token?.startsWith(SESSION_TOKEN_PREFIX) ? Buffer.from(hashToken(scope.token)) : undefined;
      const expected = session.token_hash ? Buffer.from(session.token_hash) : undefined;
      if (!given || !expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw HttpProblem.notFound(`no session ${sessionId} for this session token`);
      }
    }
    return { session, call };
  }

  private assertOpen(open: OpenTextSession): void {
    if (open.call.status === 'failed' && !open.call.started_at) {
      // The worker could not start it (see `start`): as a refused start would have said.
      throw HttpProblem.unavailable('the agent cannot take a conversation right now; try again shortly', 5);
    }
    if (isFinished(open.call)) {
      throw HttpProblem.conflict(
        `the session has ended${open.call.end_reason ? ` (${open.call.end_reason})` : ''}; start a new one`,
      );
    }
  }

  /** One message, answered whole. */
  async send(open: OpenTextSession, text: string, audience: ReplyAudience): Promise<TextReply> {
    this.assertOpen(open);
    try {
      return replyFor(await this.agentWorker.message(open.call.id, this.messageFor(open, text)), audience);
    } catch (error) {
      throw await this.problemFor(open, error);
    }
  }

  /** One message, its reply streamed as the worker produces it (see contracts' text-session.ts). */
  async *stream(open: OpenTextSession, text: string, audience: ReplyAudience): AsyncGenerator<TextStreamEvent> {
    this.assertOpen(open);
    try {
      for await (const event of this.agentWorker.messageStream(open.call.id, this.messageFor(open, text))) {
        yield eventFor(event, audience);
      }
    } catch (error) {
      throw await this.problemFor(open, error);
    }
  }

  /** The message for the worker: while the call has not begun, with what it needs to start the session. */
  private messageFor(open: OpenTextSession, text: string): WorkerTextMessage {
    if (open.call.status !== 'created') return { text };
    return { text, start: { agentId: open.session.agent_id, spaceId: open.session.space_id } };
  }

  /** Ends the session: the worker ends its conversation and reports the end and the usage to the call. */
  async end(open: OpenTextSession): Promise<TextSessionEnded> {
    this.assertOpen(open);
    let endReason: CallEndReason = 'caller_hangup';
    try {
      endReason = (await this.agentWorker.end(open.call.id)).endReason;
    } catch (error) {
      if (!(error instanceof AgentWorkerError)) throw error;
      this.ctx.log.warn('the agent worker did not end its text session; ending the call here', {
        callId: open.call.id,
        error: error.message,
      });
    }
    // Normally the worker's report has ended the call already; if it could not, the call ends here.
    await this.finish(open.call.id, { to: 'ended', endReason: 'caller_hangup' });
    return { sessionId: open.session.id, callId: open.call.id, endReason };
  }

  /** What a failed exchange with the worker means for the client, ending a call the worker has lost. */
  private async problemFor(open: OpenTextSession, error: unknown): Promise<unknown> {
    if (!(error instanceof AgentWorkerError)) return error;
    if (error.status === 409) return HttpProblem.conflict('the previous message is still being answered');
    if (error.status === 404) {
      // The worker no longer runs the session (it restarted, or the session just idled out).
      await this.finish(open.call.id, {
        to: 'failed',
        endReason: 'error',
        failureReason: 'the agent worker no longer had this text session (it restarted or the session idled out)',
      });
      return HttpProblem.conflict('the session has ended; start a new one');
    }
    return HttpProblem.unavailable('the agent cannot answer right now; try again shortly', 5);
  }

  /** Ends the call through the one transition function unless it has ended already; no agent turns follow. */
  private async finish(callId: string, move: CallMove): Promise<void> {
    await inWriteTransaction(this.ctx, (client) => moveCall(client, callId, { ...move, transcriptComplete: true }));
  }
}
