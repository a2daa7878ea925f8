/** What the element asks of a conversation, text or voice, and what a conversation tells it. */
import type { WidgetError } from './widget-error.ts';

export type WidgetState = 'idle' | 'connecting' | 'listening' | 'thinking' | 'speaking' | 'ended' | 'error';
export type MessageRole = 'user' | 'agent';

export interface ConversationEvents {
  state(state: WidgetState): void;
  /** `id` groups the updates of one message; `text` is the whole message so far. */
  message(id: string, role: MessageRole, text: string, final: boolean): void;
  /** The conversation cannot go on; it has cleaned up after itself. */
  failed(error: WidgetError): void;
  /** Microphone level 0–1 (voice only). */
  level?(value: number): void;
}

export interface Conversation {
  readonly kind: 'text' | 'voice';
  start(): Promise<void>;
  send(text: string): Promise<void>;
  end(): Promise<void>;
  setMuted?(muted: boolean): void;
}
