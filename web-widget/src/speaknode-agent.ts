/**
 * `<speaknode-agent>`: the web component visitors talk to an agent through. Its public interface
 * (attributes, `start()`, `end()`, `send()`, the `speaknode:*` events, parts and custom properties)
 * is a documented contract: see README.md.
 */
import type { PublicAgent } from '@speaknode/contracts';
import { ControlClient } from './control-client.ts';
import type { Conversation, ConversationEvents, MessageRole, WidgetState } from './conversation.ts';
import { widgetStyleSheet } from './styles.ts';
import { TextConversation } from './text-conversation.ts';
import { VoiceConversation } from './voice-conversation.ts';
import { asWidgetError, WidgetError } from './widget-error.ts';

export type WidgetMode = 'voice' | 'text' | 'hybrid';
type Position = 'bottom-right' | 'bottom-left' | 'inline';

export interface SpeaknodeStateDetail {
  state: WidgetState;
}
export interface SpeaknodeMessageDetail {
  role: MessageRole;
  text: string;
  final: boolean;
}
export interface SpeaknodeErrorDetail {
  code: WidgetError['code'];
  message: string;
  /** `rate_limited` only. */
  retryAfterSeconds?: number;
}

const STATUS_TEXT: Record<WidgetState, string> = {
  idle: '',
  connecting: 'Connecting…',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  ended: 'Conversation ended',
  error: 'Not connected',
};
const TEXT_STATUS: Partial<Record<WidgetState, string>> = { listening: 'Online', speaking: 'Typing…' };

/** Builds an element: `h('button', {class: 'primary', part: 'start-button'}, 'Start')`. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

let instances = 0;

export class SpeaknodeAgentElement extends HTMLElement {
  static observedAttributes = [
    'agent-key',
    'api-base',
    'mode',
    'lang',
    'theme',
    'position',
    'start-label',
    'require-consent',
  ];

  private readonly root: ShadowRoot;
  private readonly id_ = `sn${++instances}`;
  private state: WidgetState = 'idle';
  private agent: PublicAgent | undefined;
  private agentLoad: Promise<PublicAgent> | undefined;
  private client: ControlClient | undefined;
  private conversation: Conversation | undefined;
  private messages = new Map<string, HTMLElement>();
  private muted = false;
  private open = false;
  private scrollPending = false;
  private rendered = false;
  private readonly darkQuery = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

  private readonly view = {
    root: h('div', { part: 'root', class: 'root' }),
    launcher: h('button', { part: 'launcher', class: 'launcher', type: 'button', 'aria-expanded': 'false' }),
    panel: h('section', { part: 'panel', class: 'panel' }),
    title: h('h2', { part: 'title', class: 'title' }),
    status: h('span', { part: 'status', class: 'status' }),
    close: h('button', { part: 'close-button', class: 'icon', type: 'button', 'aria-label': 'Close' }, '×'),
    log: h('div', { part: 'log', class: 'log', role: 'log', 'aria-live': 'polite', tabindex: '0' }),
    intro: h('p', { part: 'intro', class: 'intro' }),
    error: h('p', { part: 'error', class: 'error', role: 'alert', hidden: '' }),
    consent: h('div', { part: 'consent', class: 'consent', hidden: '' }),
    consentBox: h('input', { type: 'checkbox' }),
    consentText: h('label'),
    actions: h('div', { part: 'actions', class: 'actions' }),
    startVoice: h('button', { part: 'start-button start-voice', class: 'primary', type: 'button' }),
    startText: h('button', { part: 'start-button start-text', class: 'secondary', type: 'button' }),
    typeInstead: h('button', { part: 'type-instead', class: 'secondary', type: 'button', hidden: '' }, 'Type instead'),
    mute: h(
      'button',
      { part: 'mute-button', class: 'secondary', type: 'button', 'aria-pressed': 'false', hidden: '' },
      'Mute',
    ),
    level: h('div', { part: 'level', class: 'level', hidden: '', 'aria-hidden': 'true' }, h('span')),
    endButton: h('button', { part: 'end-button', class: 'secondary', type: 'button', hidden: '' }, 'End conversation'),
    composer: h('form', { part: 'composer', class: 'composer', hidden: '' }),
    input: h('input', { part: 'input', type: 'text', autocomplete: 'off', maxlength: '8000' }),
    send: h('button', { part: 'send-button', class: 'primary', type: 'submit' }, 'Send'),
    speaker: h('div', { class: 'speaker', 'aria-hidden': 'true' }),
  };

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.root.adoptedStyleSheets = [widgetStyleSheet()];
  }

  connectedCallback(): void {
    if (!this.rendered) this.render();
    this.darkQuery?.addEventListener('change', this.applyTheme);
    this.sync();
    void this.loadAgent().catch(() => {});
  }

  disconnectedCallback(): void {
    this.darkQuery?.removeEventListener('change', this.applyTheme);
    void this.conversation?.end();
    this.conversation = undefined;
  }

  attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
    if (previous === value || !this.rendered) return;
    if (name === 'agent-key' || name === 'api-base') {
      this.agent = undefined;
      this.agentLoad = undefined;
      this.client = undefined;
      void this.loadAgent().catch(() => {});
    }
    this.sync();
  }

  // --- The public methods.

  /** Starts a conversation: voice when the mode and the agent allow it, text otherwise. */
  async start(options: { mode?: 'voice' | 'text' } = {}): Promise<void> {
    if (this.conversation && this.state !== 'ended' && this.state !== 'error') return;
    if (this.hasAttribute('require-consent') && !this.view.consentBox.checked) {
      this.setOpen(true);
      this.view.consentBox.focus();
      return this.fail(new WidgetError('consent_required', 'Please accept the terms above to start.'), false);
    }
    this.clearError();
    this.clearMessages();
    this.setOpen(true);
    this.setState('connecting');
    try {
      const agent = await this.loadAgent();
      const kind = options.mode ?? this.preferredKind(agent);
      if (!this.modeAllowed(kind, agent)) {
        throw new WidgetError(
          'mode_unavailable',
          `${kind === 'voice' ? 'Voice' : 'Text'} conversations are not available for this assistant.`,
        );
      }
      const client = this.controlClient();
      const events = this.conversationEvents();
      this.conversation =
        kind === 'voice'
          ? new VoiceConversation(client, events, this.view.speaker)
          : new TextConversation(client, events);
      this.sync();
      await this.conversation.start();
      if (kind === 'text') this.view.input.focus();
      else this.view.endButton.focus();
    } catch (error) {
      this.conversation = undefined;
      this.fail(asWidgetError(error));
    }
  }

  /** Ends the conversation (leaves the room, ends the text session). */
  async end(): Promise<void> {
    const conversation = this.conversation;
    if (!conversation || this.state === 'ended') return;
    const hadFocus = this.root.activeElement !== null;
    await conversation.end();
    // The control that had focus is gone with the conversation: keep keyboard users in the panel.
    if (hadFocus) this.focusStart();
  }

  /**
   * The inline panel's close button: ends a running conversation and puts the panel back as it was
   * before one started (the transcript cleared), focus on the start button.
   */
  private async closeInline(): Promise<void> {
    await this.end();
    this.clearMessages();
    this.clearError();
    this.conversation = undefined;
    this.setState('idle');
    this.focusStart();
  }

  private focusStart(): void {
    const v = this.view;
    const target = [v.startVoice, v.startText].find((button) => !button.hidden) ?? v.close;
    target.focus();
  }

  /** Sends a visitor's message; starts a text conversation first when none is running. */
  async send(text: string): Promise<void> {
    if (!String(text ?? '').trim()) return;
    if (!this.conversation || this.state === 'ended' || this.state === 'error') {
      await this.start({ mode: this.conversation?.kind === 'voice' ? 'voice' : 'text' });
    }
    try {
      await this.conversation?.send(String(text));
    } catch (error) {
      this.showError(asWidgetError(error));
    }
  }

  // --- Rendering.

  private render(): void {
    const v = this.view;
    const inputId = `${this.id_}-input`;
    const consentId = `${this.id_}-consent`;
    const panelId = `${this.id_}-panel`;
    v.panel.id = panelId;
    v.launcher.setAttribute('aria-controls', panelId);
    v.input.id = inputId;
    v.consentBox.id = consentId;
    v.consentText.htmlFor = consentId;
    v.consent.append(v.consentBox, v.consentText);
    v.composer.append(h('label', { class: 'visually-hidden', for: inputId }, 'Your message'), v.input, v.send);
    v.actions.append(v.startVoice, v.startText, v.typeInstead, v.mute, v.level, v.endButton);
    v.panel.append(
      h('header', { part: 'header', class: 'header' }, v.title, v.status, v.close),
      v.log,
      v.error,
      v.consent,
      v.actions,
      v.composer,
      v.speaker,
    );
    v.root.append(v.launcher, v.panel);
    this.root.append(v.root);

    v.launcher.addEventListener('click', () => this.setOpen(!this.open));
    v.close.addEventListener('click', () => {
      if (this.position() === 'inline') return void this.closeInline();
      this.setOpen(false);
      v.launcher.focus();
    });
    v.startVoice.addEventListener('click', () => void this.start({ mode: 'voice' }));
    v.startText.addEventListener('click', () => void this.start({ mode: 'text' }));
    v.typeInstead.addEventListener('click', () => void this.start({ mode: 'text' }));
    v.endButton.addEventListener('click', () => void this.end());
    v.mute.addEventListener('click', () => {
      this.muted = !this.muted;
      this.conversation?.setMuted?.(this.muted);
      this.sync();
    });
    v.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = v.input.value;
      if (!text.trim() || v.send.disabled) return;
      v.input.value = '';
      void this.send(text);
    });
    v.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.position() !== 'inline') {
        this.setOpen(false);
        v.launcher.focus();
      }
    });
    this.rendered = true;
  }

  /** Puts attributes, the agent's configuration and the state into the view. */
  private sync(): void {
    const v = this.view;
    const agent = this.agent;
    const position = this.position();
    const inline = position === 'inline';
    const name = agent?.appearance.title || agent?.name || 'Assistant';
    const running = !!this.conversation && !['ended', 'error', 'idle'].includes(this.state);
    const voiceRunning = running && this.conversation?.kind === 'voice';
    const textRunning = running && this.conversation?.kind === 'text';

    v.root.className = `root ${inline ? 'inline' : `floating ${position}`}`;
    v.root.dataset.state = this.state;
    v.root.lang = this.getAttribute('lang') || 'en';
    this.applyTheme();
    if (agent?.appearance.accentColor) v.root.style.setProperty('--_agent-accent', agent.appearance.accentColor);

    v.launcher.hidden = inline;
    v.panel.hidden = !inline && !this.open;
    v.launcher.setAttribute('aria-expanded', String(this.open));
    v.launcher.textContent = this.open ? 'Close chat' : this.startLabel(name);
    v.panel.setAttribute('aria-label', name);
    // Floating: hides the panel. Inline: ends the conversation and clears it; shown once there is one.
    v.close.setAttribute('aria-label', inline ? 'Close conversation' : 'Close');
    v.close.hidden = inline && (!agent || this.state === 'idle');
    if (!inline) v.panel.setAttribute('role', 'dialog');
    else v.panel.removeAttribute('role');
    v.title.textContent = name;
    v.log.setAttribute('aria-label', `Conversation with ${name}`);
    const status = (this.conversation?.kind === 'text' && TEXT_STATUS[this.state]) || STATUS_TEXT[this.state];
    v.status.textContent = status;
    v.status.hidden = !status;

    const consent = this.getAttribute('require-consent');
    v.consent.hidden = consent === null || running;
    v.consentText.textContent = consent || 'I agree that this conversation is processed to answer me.';

    const voice = !!agent && this.modeAllowed('voice', agent);
    const text = !!agent && this.modeAllowed('text', agent);
    const label = this.getAttribute('start-label');
    v.startVoice.hidden = running || !voice;
    v.startText.hidden = running || !text;
    v.startVoice.textContent = label && !text ? label : 'Start voice call';
    v.startText.textContent = label && !voice ? label : voice ? 'Chat by text' : 'Start chat';
    v.startVoice.disabled = v.startText.disabled = this.state === 'connecting';
    v.mute.hidden = v.level.hidden = !voiceRunning;
    v.mute.setAttribute('aria-pressed', String(this.muted));
    v.mute.textContent = this.muted ? 'Unmute' : 'Mute';
    v.endButton.hidden = !running;
    v.composer.hidden = !(textRunning || (voiceRunning && text));
    // The input stays enabled while a reply comes (disabling it would drop a keyboard user's focus).
    v.send.disabled = textRunning && this.state !== 'listening';
    v.input.placeholder = voiceRunning ? 'Or type a message' : 'Type a message';
    // The greeting itself is the agent's first message once a conversation starts.
    v.intro.textContent = agent ? `Start a conversation with ${name}.` : this.state === 'error' ? '' : 'Loading…';
    if (this.messages.size === 0 && !v.intro.isConnected) v.log.append(v.intro);
  }

  private readonly applyTheme = () => {
    const theme = this.getAttribute('theme') ?? 'auto';
    const dark = theme === 'dark' || (theme !== 'light' && !!this.darkQuery?.matches);
    this.view.root.classList.toggle('dark', dark);
  };

  private startLabel(name: string): string {
    return this.getAttribute('start-label') || `Talk to ${name}`;
  }

  private position(): Position {
    const attribute = this.getAttribute('position');
    if (attribute === 'inline' || attribute === 'bottom-left' || attribute === 'bottom-right') return attribute;
    return this.agent?.appearance.position ?? 'bottom-right';
  }

  private mode(): WidgetMode {
    const attribute = this.getAttribute('mode');
    return attribute === 'voice' || attribute === 'text' ? attribute : 'hybrid';
  }

  private modeAllowed(kind: 'voice' | 'text', agent: PublicAgent): boolean {
    const mode = this.mode();
    if (mode !== 'hybrid' && mode !== kind) return false;
    return kind === 'voice' ? agent.voiceEnabled : agent.textEnabled;
  }

  private preferredKind(agent: PublicAgent): 'voice' | 'text' {
    return this.modeAllowed('voice', agent) ? 'voice' : 'text';
  }

  private setOpen(open: boolean): void {
    this.open = open;
    this.sync();
  }

  // --- State, messages, errors.

  private controlClient(): ControlClient {
    const key = this.getAttribute('agent-key');
    const base = this.getAttribute('api-base');
    if (!key || !base) {
      throw new WidgetError(
        'misconfigured',
        'This assistant is not set up correctly.',
        `<speaknode-agent> needs agent-key="pk_…" and api-base="https://…" (missing: ${[!key && 'agent-key', !base && 'api-base'].filter(Boolean).join(', ')}); copy the embed snippet from the agent's Widget page in the console.`,
      );
    }
    this.client ??= new ControlClient(base, key);
    return this.client;
  }

  private loadAgent(): Promise<PublicAgent> {
    this.agentLoad ??= (async () => {
      const agent = await this.controlClient().agent();
      this.agent = agent;
      this.sync();
      return agent;
    })().catch((error: unknown) => {
      this.agentLoad = undefined;
      const failure = asWidgetError(error);
      if (this.state === 'idle') this.fail(failure);
      throw failure;
    });
    return this.agentLoad;
  }

  private conversationEvents(): ConversationEvents {
    return {
      state: (state) => this.setState(state),
      message: (id, role, text, final) => this.showMessage(id, role, text, final),
      failed: (error) => this.fail(error),
      level: (value) => this.view.level.style.setProperty('--level', value.toFixed(3)),
    };
  }

  private setState(state: WidgetState): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'ended') this.muted = false;
    this.sync();
    this.emit('speaknode:state', { state } satisfies SpeaknodeStateDetail);
  }

  private showMessage(id: string, role: MessageRole, text: string, final: boolean): void {
    let bubble = this.messages.get(id);
    if (!bubble) {
      bubble = h(
        'div',
        { part: `message ${role}-message`, class: `message ${role}` },
        h('span', { class: 'visually-hidden' }, role === 'user' ? 'You: ' : `${this.view.title.textContent}: `),
        h('span'),
      );
      this.messages.set(id, bubble);
      this.view.intro.remove();
      this.view.log.append(bubble);
    }
    bubble.lastElementChild!.textContent = text;
    // A message being streamed is announced once, when it is complete.
    bubble.setAttribute('aria-busy', String(!final));
    this.scrollLog();
    this.emit('speaknode:message', { role, text, final } satisfies SpeaknodeMessageDetail);
  }

  /** Keeps the newest message in view, once a frame (not a layout per streamed piece). */
  private scrollLog(): void {
    if (this.scrollPending) return;
    this.scrollPending = true;
    requestAnimationFrame(() => {
      this.scrollPending = false;
      this.view.log.scrollTop = this.view.log.scrollHeight;
    });
  }

  private clearMessages(): void {
    for (const bubble of this.messages.values()) bubble.remove();
    this.messages.clear();
  }

  private fail(error: WidgetError, asState = true): void {
    if (asState) {
      this.conversation = undefined;
      this.setState('error');
    }
    this.showError(error);
  }

  private showError(error: WidgetError): void {
    if (error.ownerHint) console.warn(error.ownerHint);
    const v = this.view;
    v.error.textContent = error.message;
    v.error.hidden = false;
    const textPossible = !!this.agent && this.modeAllowed('text', this.agent);
    v.typeInstead.hidden = !(
      textPossible &&
      (error.code === 'microphone_denied' || error.code === 'microphone_unavailable')
    );
    this.sync();
    const detail: SpeaknodeErrorDetail = { code: error.code, message: error.message };
    if (error.retryAfterSeconds !== undefined) detail.retryAfterSeconds = error.retryAfterSeconds;
    this.emit('speaknode:error', detail);
  }

  private clearError(): void {
    this.view.error.hidden = true;
    this.view.error.textContent = '';
    this.view.typeInstead.hidden = true;
  }

  private emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
