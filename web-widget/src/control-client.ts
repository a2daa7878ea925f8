/**
 * Control's public widget endpoints, from the visitor's browser: the agent's public configuration,
 * a session, a text message with its reply streamed as Server-Sent Events, the end. Every failure
 * becomes a `WidgetError` with a stable code. Types only from contracts: the element ships no zod.
 */
import type {
  PublicAgent,
  SessionGrant,
  TextReply,
  TextStreamEventName,
  WidgetTextSessionGrant,
} from '@speaknode/contracts';
import { createParser } from 'eventsource-parser';
import { rateLimited, serviceUnavailable, WidgetError } from './widget-error.ts';

export type VoiceSessionGrant = SessionGrant & { mode: 'voice' };

interface Problem {
  status?: number;
  title?: string;
  detail?: string;
}

export interface StreamHandlers {
  onDelta(textSoFar: string): void;
  onToolCall?(name: string): void;
}

export class ControlClient {
  readonly base: string;

  constructor(
    apiBase: string,
    readonly publishableKey: string,
  ) {
    let url: URL;
    try {
      url = new URL(apiBase);
    } catch {
      throw new WidgetError(
        'misconfigured',
        'This assistant is not set up correctly.',
        `api-base="${apiBase}" is not an absolute URL; use the address of your Speaknode server, e.g. https://speaknode.example.com`,
      );
    }
    this.base = url.origin + url.pathname.replace(/\/+$/, '');
  }

  private agentPath(suffix = ''): string {
    return `${this.base}/api/v1/public/agents/${encodeURIComponent(this.publishableKey)}${suffix}`;
  }

  /** Paths in grants are control's own (`/api/v1/…`): below api-base, which may carry a prefix (a reverse proxy's). */
  resolve(path: string): string {
    return path.startsWith('/') ? `${this.base}${path}` : new URL(path, `${this.base}/`).toString();
  }

  async agent(): Promise<PublicAgent> {
    const res = await this.call(this.agentPath(), { method: 'GET' });
    return (await res.json()) as PublicAgent;
  }

  async startText(): Promise<WidgetTextSessionGrant> {
    const res = await this.call(this.agentPath('/sessions'), plainJsonBody({ mode: 'text' }));
    return (await res.json()) as WidgetTextSessionGrant;
  }

  async startVoice(): Promise<VoiceSessionGrant> {
    const res = await this.call(this.agentPath('/sessions'), plainJsonBody({ mode: 'voice' }), 'Voice');
    return (await res.json()) as VoiceSessionGrant;
  }

  /** Sends one message and streams the reply; resolves with the whole reply. */
  async send(grant: WidgetTextSessionGrant, text: string, handlers: StreamHandlers): Promise<TextReply> {
    // The token in the body, not in Authorization: the request stays simple (no preflight).
    const init = plainJsonBody({ text, sessionToken: grant.sessionToken });
    init.headers.accept = 'text/event-stream';
    const res = await this.call(this.resolve(grant.messagesUrl), init);
    if (!res.headers.get('content-type')?.includes('text/event-stream')) return (await res.json()) as TextReply;
    return readReplyStream(res, handlers);
  }

  async end(grant: WidgetTextSessionGrant): Promise<void> {
    await this.call(this.resolve(grant.sessionUrl), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${grant.sessionToken}` },
    }).catch((error: unknown) => {
      // Already over on the server's side is what the visitor wanted.
      if (!(error instanceof WidgetError && error.code === 'session_ended')) throw error;
    });
  }

  private async call(url: string, init: RequestInit, what?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store', referrerPolicy: 'origin' });
    } catch {
      throw serviceUnavailable(what && `${what} chat`);
    }
    if (res.ok) return res;
    throw await this.problemError(res, what);
  }

  private async problemError(res: Response, what?: string): Promise<WidgetError> {
    const problem = (await res.json().catch(() => ({}))) as Problem;
    const detail = problem.detail ?? '';
    switch (res.status) {
      case 403:
        if (/origin/i.test(detail)) {
          const origin = globalThis.location?.origin ?? 'this page’s origin';
          return new WidgetError(
            'origin_not_allowed',
            'This assistant is not available on this website.',
            `Speaknode refused ${origin}: ${detail}. Add ${origin} to the agent's allowed origins (Widget settings in the Speaknode console).`,
          );
        }
        return new WidgetError(
          'mode_unavailable',
          `${what ?? 'Text'} conversations are turned off for this assistant.`,
          `Speaknode: ${detail}`,
        );
      case 404:
        return new WidgetError(
          'unknown_key',
          'This assistant could not be found.',
          `Speaknode knows no agent with the publishable key "${this.publishableKey}": copy the embed snippet again from the agent's Widget page in the console.`,
        );
      case 409:
        return new WidgetError('session_ended', 'This conversation has ended. Start a new one to continue.');
      case 429:
        return rateLimited(retryAfter(res.headers.get('retry-after')));
      case 400:
      case 413:
        return new WidgetError('message_failed', 'That message could not be sent. Please shorten it and try again.');
      default:
        return serviceUnavailable(what && `${what} chat`);
    }
  }
}

/**
 * A POST of JSON as `text/plain` (control reads both): with no other header than `Accept` it is a
 * CORS "simple" request, sent without a preflight, so it costs one round trip, not two.
 */
function plainJsonBody(body: unknown): Omit<RequestInit, 'headers'> & { headers: Record<string, string> } {
  return { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) };
}

function retryAfter(header: string | null): number {
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds);
  const date = header ? Date.parse(header) : Number.NaN;
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : 60;
}

/** Control's SSE reply: `delta`s in order, `tool_call`s, then `done` or `error`. */
async function readReplyStream(res: Response, handlers: StreamHandlers): Promise<TextReply> {
  let soFar = '';
  let outcome: { reply: TextReply } | { error: WidgetError } | undefined;
  const parser = createParser({
    onEvent(message) {
      const data = JSON.parse(message.data) as Record<string, unknown>;
      switch (message.event as TextStreamEventName) {
        case 'delta':
          soFar += String(data.text ?? '');
          handlers.onDelta(soFar);
          break;
        case 'tool_call':
          handlers.onToolCall?.(String(data.name ?? ''));
          break;
        case 'done':
          outcome = { reply: data as unknown as TextReply };
          break;
        case 'error': {
          const status = (data.problem as Problem | undefined)?.status ?? 500;
          outcome = {
            error:
              status === 409
                ? new WidgetError('session_ended', 'This conversation has ended. Start a new one to continue.')
                : new WidgetError('message_failed', 'The assistant could not answer that. Please try again.'),
          };
          break;
        }
      }
    },
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!outcome) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch {
    throw new WidgetError('message_failed', 'The connection dropped while the assistant was answering.');
  } finally {
    reader.cancel().catch(() => {});
  }
  if (!outcome) throw new WidgetError('message_failed', 'The connection dropped while the assistant was answering.');
  if ('error' in outcome) throw outcome.error;
  return outcome.reply;
}
