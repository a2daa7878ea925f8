/**
 * A text conversation through control's public text channel: one session per conversation, its
 * token kept in memory only (no cookie, no storage), each reply streamed in as it is produced.
 */
import type { WidgetTextSessionGrant } from '@speaknode/contracts';
import type { ControlClient } from './control-client.ts';
import type { Conversation, ConversationEvents } from './conversation.ts';
import { asWidgetError, WidgetError } from './widget-error.ts';

export class TextConversation implements Conversation {
  readonly kind = 'text';
  private grant: WidgetTextSessionGrant | undefined;
  private busy = false;
  private ended = false;
  private turn = 0;

  constructor(
    private readonly client: ControlClient,
    private readonly events: ConversationEvents,
  ) {}

  async start(): Promise<void> {
    this.events.state('connecting');
    this.grant = await this.client.startText();
    if (this.grant.greeting) this.events.message('greeting', 'agent', this.grant.greeting, true);
    this.events.state('listening');
  }

  async send(text: string): Promise<void> {
    const message = text.trim();
    if (!message || this.ended || !this.grant) return;
    if (this.busy)
      throw new WidgetError('message_failed', 'Please wait for the answer before sending another message.');
    this.busy = true;
    const turn = ++this.turn;
    let streaming = false;
    // The request goes first, the page's updates while it travels.
    const replying = this.client.send(this.grant, message, {
      onDelta: (soFar) => {
        if (!streaming) {
          streaming = true;
          this.events.state('speaking');
        }
        this.events.message(`agent-${turn}`, 'agent', soFar, false);
      },
    });
    this.events.message(`user-${turn}`, 'user', message, true);
    this.events.state('thinking');
    try {
      const reply = await replying;
      this.events.message(`agent-${turn}`, 'agent', reply.reply, true);
      if (reply.ended) {
        this.ended = true;
        this.events.state('ended');
      } else {
        this.events.state('listening');
      }
    } catch (error) {
      const failure = asWidgetError(error);
      if (failure.code === 'session_ended' || failure.code === 'service_unavailable') {
        this.ended = true;
        this.events.failed(failure);
      } else {
        // The conversation goes on: the visitor may try again.
        this.events.state('listening');
        throw failure;
      }
    } finally {
      this.busy = false;
    }
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const grant = this.grant;
    this.events.state('ended');
    if (grant) await this.client.end(grant).catch(() => {});
  }
}
