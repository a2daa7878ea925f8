/**
 * One conversation: an `AgentSession` built from the agent's runtime configuration, with its
 * tools, call limits, transcript and usage reporting, and the resilience rules (a provider that
 * fails mid-call gets a spoken apology and one retry, then a clean end — never dead air).
 * Voice jobs run it in a LiveKit room; text sessions run the very same class without a room.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { APIStatusError, type llm, type stt, type tts, type VAD, voice } from '@livekit/agents';
import type { Room } from '@livekit/rtc-node';
import type {
  AgentInput,
  AgentRuntimeConfig,
  CallChannel,
  CallEndReason,
  CallUpdate,
  CallUsage,
} from '@speaknode/contracts';
import { HostAllowList, type Resolver } from '@speaknode/runtime/address-policy';
import { withCallContext } from '../telemetry/telemetry.ts';
import { observeTurns } from '../telemetry/turn-telemetry.ts';
import { buildAgentTools } from '../tools/agent-tools.ts';
import { KeypadEntry, keypadInput, sendDtmfTool } from './keypad.ts';
import { TranscriptRecorder, type TranscriptSink, usageOf } from './transcript-recorder.ts';

export interface CallReporter extends TranscriptSink {
  callUpdate(callId: string, update: CallUpdate): Promise<void>;
  reportUsage(callId: string, usage: CallUsage): Promise<void>;
}

export type ConversationRuntime = Pick<
  AgentRuntimeConfig,
  'agentId' | 'spaceId' | 'agent' | 'tools' | 'credentials' | 'toolHostAllowList'
>;

export interface ConversationOptions {
  runtime: ConversationRuntime;
  callId: string;
  /** Where transcript, usage and status go; none for inline text sessions that have no call record. */
  reporter?: CallReporter;
  mode: 'voice' | 'text';
  llm: llm.LLM;
  stt?: stt.STT;
  tts?: tts.TTS;
  vad?: VAD;
  /** Present where the channel can transfer the caller. */
  transfer?: (destination: string) => Promise<void>;
  /** The call's channel; phone legs get no echo-cancellation warm-up (the carrier cancels echo). */
  channel?: CallChannel;
  /**
   * Told the moment the caller cuts the agent off (voice jobs publish it into the room, where the
   * media bridge drops what its phone provider still has queued).
   */
  onInterrupted?: () => void;
  /** Presses one key on the caller's line, where the call's path can carry DTMF (`send_dtmf`). */
  sendDtmf?: (digit: string) => Promise<void>;
  /** Called once the conversation has ended, after control has been told (voice jobs leave the room here). */
  onEnded?: (outcome: ConversationOutcome) => void | Promise<void>;
  resolver?: Resolver;
  log?: (message: string, extra?: Record<string, unknown>) => void;
  /** Overrides for tests: connection options of the providers. */
  connOptions?: voice.AgentSessionOptions['connOptions'];
}

export interface ConversationOutcome {
  endReason: CallEndReason;
  failureReason?: string;
  usage: CallUsage;
}

export const APOLOGY_RETRY = "Sorry, I'm having trouble on my side. One moment, please.";
export const APOLOGY_END = "I'm sorry, I can't continue right now. Please try again later. Goodbye.";
const GOODBYE_SILENCE = 'It seems you have stepped away, so I will end the call now. Goodbye.';
const GOODBYE_MAX_DURATION = 'We have reached the time limit for this call. Goodbye.';

function componentOf(type: string): 'LLM' | 'STT' | 'TTS' | 'model' {
  return type === 'llm_error' ? 'LLM' : type === 'stt_error' ? 'STT' : type === 'tts_error' ? 'TTS' : 'model';
}

type SessionError = { type: string; recoverable: boolean; error?: Error; message?: string };

/** The underlying error of a session error event (interruption-detection errors are errors themselves). */
function causeOf(error: SessionError): Error {
  return error.error ?? (error as unknown as Error);
}

/** A provider answer that retrying cannot fix: the key is missing, wrong or not allowed. */
function credentialRejection(error: unknown): number | undefined {
  const status =
    error instanceof APIStatusError
      ? error.statusCode
      : ((error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode);
  return status === 401 || status === 403 ? status : undefined;
}

export class Conversation {
  readonly session: voice.AgentSession;
  readonly agent: voice.Agent;
  readonly recorder: TranscriptRecorder;
  readonly labels: { callId: string; agentId: string; spaceId: string };
  private endRequested: string | undefined;
  private llmFailures = 0;
  private timers: NodeJS.Timeout[] = [];
  private startedAt = 0;
  /** The `in_progress` report `start()` sent, settled (never rejects). */
  private inProgressReported: Promise<void> = Promise.resolve();
  private outcome: Promise<ConversationOutcome> | undefined;
  private resolveEnded!: (outcome: ConversationOutcome) => void;
  /** Resolves once the conversation has ended and been reported. */
  readonly ended: Promise<ConversationOutcome>;

  private readonly outsideTools = AsyncLocalStorage.snapshot();
  private readonly keypad: KeypadEntry | undefined;

  constructor(private readonly options: ConversationOptions) {
    const { runtime } = options;
    const input: AgentInput = runtime.agent;
    this.labels = { callId: options.callId, agentId: runtime.agentId, spaceId: runtime.spaceId };
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    const tools = buildAgentTools({
      tools: runtime.tools,
      credentials: runtime.credentials,
      allowList: new HostAllowList(runtime.toolHostAllowList),
      endCallEnabled: input.endCallEnabled,
      transferDestinations: input.transfer.enabled ? input.transfer.destinations : [],
      callbacks: {
        endCall: (reason, speech) => {
          this.endRequested = reason;
          if (options.mode !== 'voice') return;
          // The goodbye is a later step of the same speech: hang up once it has been played. The
          // wait runs outside the tool's async context, where the framework would see a
          // tool waiting on its own speech.
          this.outsideTools(() => void speech.waitForPlayout().then(() => this.end('agent_hangup')));
          // If the model says nothing more, do not keep the line open.
          this.after(15_000, () => this.end('agent_hangup'));
        },
        transfer: options.transfer,
      },
      resolver: options.resolver,
    });
    if (input.keypad.sendDtmfEnabled && options.sendDtmf) tools.push(sendDtmfTool(options.sendDtmf));

    const voiceMode = options.mode === 'voice';
    this.session = new voice.AgentSession({
      llm: options.llm,
      stt: voiceMode ? options.stt : undefined,
      tts: voiceMode ? options.tts : undefined,
      vad: voiceMode ? (options.vad ?? null) : null,
      userAwayTimeout: voiceMode ? input.limits.silenceTimeoutSeconds : null,
      // The framework ignores interruptions for the first 3 s of the agent's speech while a web
      // caller's echo canceller learns the room (otherwise the agent's own voice, echoed by the
      // caller's speakers, would cut it off). Phone audio arrives echo-cancelled by the carrier.
      ...(options.channel === 'phone' ? { aecWarmupDuration: null } : {}),
      // We decide when a failing provider ends the call (apology, retry, clean end).
      connOptions: { maxUnrecoverableErrors: 10, ...options.connOptions },
      turnHandling: voiceMode
        ? {
            turnDetection: input.turn.detection,
            endpointing: { minDelay: input.turn.minEndpointingDelayMs, maxDelay: input.turn.maxEndpointingDelayMs },
            interruption: {
              enabled: input.interruption.enabled,
              mode: 'vad',
              minDuration: input.interruption.minDurationMs,
              minWords: input.interruption.minWords,
              // A cough or an "mm-hm" pauses the agent; without words after it, the agent resumes.
              resumeFalseInterruption: input.interruption.falseInterruptionResumeMs > 0,
              falseInterruptionTimeout: input.interruption.falseInterruptionResumeMs || 2_000,
            },
          }
        : { turnDetection: 'manual', interruption: { enabled: false, mode: 'vad' } },
    });
    this.agent = new voice.Agent({ instructions: input.prompt, tools });
    if (voiceMode && input.keypad.enabled) this.keypad = new KeypadEntry(input.keypad, (digits) => this.keyed(digits));
    this.recorder = new TranscriptRecorder(options.callId, options.reporter, (m) => this.log(m));
    this.recorder.attach(this.session);
    observeTurns(this.session, this.labels, input, options.mode);
    this.attachHandlers();
  }

  private log(message: string, extra: Record<string, unknown> = {}): void {
    (this.options.log ?? ((m, e) => console.warn(m, e)))(message, { callId: this.options.callId, ...extra });
  }

  get endRequestedReason(): string | undefined {
    return this.endRequested;
  }

  get isEnded(): boolean {
    return this.outcome !== undefined;
  }

  /** A key the caller pressed on their phone (LiveKit DTMF from SIP or the media bridge). */
  keypadPressed(digit: string): void {
    if (!this.keypad || this.outcome) return;
    // Typing over the agent is a way of interrupting it, as on any phone menu.
    if (
      !this.keypad.pending &&
      this.session.agentState === 'speaking' &&
      this.options.runtime.agent.interruption.enabled
    ) {
      void this.session.interrupt().await.catch(() => {});
      this.options.onInterrupted?.();
    }
    this.keypad.press(digit);
  }

  private keyed(digits: string): void {
    if (this.outcome) return;
    this.session.generateReply({ userInput: keypadInput(digits) });
  }

  private attachHandlers(): void {
    const input = this.options.runtime.agent;
    this.session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev) => {
      // The framework's interruption: the agent stops speaking (pauses or is cut) while its voice
      // activity detection hears the caller. Judged on the caller's own audio, not on a level.
      if (ev.oldState === 'speaking' && ev.newState !== 'speaking' && this.session.userState === 'speaking') {
        this.options.onInterrupted?.();
      }
    });
    this.session.on(voice.AgentSessionEventTypes.Error, (ev) => {
      if (this.outcome) return;
      const component = componentOf(ev.error.type);
      const rejected = credentialRejection(causeOf(ev.error));
      if (rejected) {
        void this.end(
          'provider_error',
          `${component} provider rejected its credential (HTTP ${rejected}): ${causeOf(ev.error).message}`,
        );
        return;
      }
      if (ev.error.recoverable) return;
      if (ev.error.type === 'llm_error') {
        this.llmFailures++;
        if (this.llmFailures === 1) {
          this.log('LLM failed after its retries; apologising and trying once more', {
            error: causeOf(ev.error).message,
          });
          if (this.options.mode === 'voice') {
            this.session.say(APOLOGY_RETRY, { addToChatCtx: false });
            this.session.generateReply();
          }
          return;
        }
        void this.endWithApology('provider_error', `LLM provider failed repeatedly: ${causeOf(ev.error).message}`);
        return;
      }
      // Without working speech recognition or synthesis there is nothing left to say it with.
      void this.end('provider_error', `${component} provider failed: ${causeOf(ev.error).message}`);
    });
    this.session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      // A reply reached the conversation: the LLM works again. (Apologies are not added to it.)
      if (ev.item.type === 'message' && ev.item.role === 'assistant') this.llmFailures = 0;
    });
    this.session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
      if (ev.newState === 'away' && this.options.mode === 'voice') {
        void this.endWithGoodbye('silence_timeout', GOODBYE_SILENCE);
      }
    });
    this.session.on(voice.AgentSessionEventTypes.Close, (ev) => {
      if (this.outcome) return;
      if (ev.reason === voice.CloseReason.PARTICIPANT_DISCONNECTED) void this.end('caller_hangup');
      else if (ev.error)
        void this.end('provider_error', `${componentOf(ev.error.type)} provider failed: ${causeOf(ev.error).message}`);
      else void this.end('canceled');
    });
    if (this.options.mode === 'voice') {
      this.after(input.limits.maxDurationSeconds * 1000, () =>
        this.endWithGoodbye('max_duration', GOODBYE_MAX_DURATION),
      );
    }
  }

  private after(ms: number, fn: () => unknown): void {
    const timer = setTimeout(() => void fn(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Starts the session (in `room` for voice calls) and says the greeting. */
  async start(room?: Room): Promise<void> {
    await withCallContext(this.labels, async () => {
      this.startedAt = Date.now();
      await this.session.start({ agent: this.agent, room, record: false });
      const greeting = this.options.runtime.agent.greeting;
      if (greeting) {
        const said = this.session.say(greeting, { allowInterruptions: true });
        // A text session's first message may come at once: it must follow the greeting in the conversation.
        if (this.options.mode === 'text') await said.waitForPlayout();
      }
    });
    // Reported while the conversation goes on (a text session's creation need not wait for control
    // to record it); `end()` waits for it, so control always sees in_progress before the end.
    if (this.options.reporter) {
      this.inProgressReported = this.options.reporter
        .callUpdate(this.options.callId, { status: 'in_progress' })
        .catch((e: Error) => this.log(`could not mark call in progress: ${e.message}`));
    }
  }

  /** Runs a callback inside this call's telemetry context (text-session turns). */
  inContext<T>(fn: () => T): T {
    return withCallContext(this.labels, fn);
  }

  private async endWithGoodbye(reason: CallEndReason, text: string): Promise<void> {
    if (this.outcome) return;
    try {
      await this.session.say(text, { allowInterruptions: false, addToChatCtx: true }).waitForPlayout();
    } catch {
      // The session may already be closing; ending matters more than the goodbye.
    }
    await this.end(reason);
  }

  private async endWithApology(reason: CallEndReason, failureReason: string): Promise<void> {
    if (this.outcome) return;
    if (this.options.mode === 'voice') {
      try {
        await this.session.say(APOLOGY_END, { allowInterruptions: false, addToChatCtx: false }).waitForPlayout();
      } catch {
        // As above.
      }
    }
    await this.end(reason, failureReason);
  }

  /** Ends the conversation once: closes the session, posts transcript, status and usage. */
  end(endReason: CallEndReason, failureReason?: string): Promise<ConversationOutcome> {
    this.outcome ??= (async () => {
      for (const timer of this.timers) clearTimeout(timer);
      this.keypad?.dispose();
      try {
        await this.session.close();
      } catch (error) {
        this.log(`closing the session failed: ${(error as Error).message}`);
      }
      this.recorder.flushPendingToolCalls();
      await this.recorder.drain();
      const usage = usageOf(
        this.session.usage.modelUsage as Array<Record<string, unknown>>,
        this.recorder.toolCallCount,
        this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0,
      );
      const outcome: ConversationOutcome = { endReason, usage, ...(failureReason ? { failureReason } : {}) };
      const reporter = this.options.reporter;
      if (reporter) {
        await this.inProgressReported;
        const update: CallUpdate = failureReason
          ? { status: 'failed', endReason, failureReason: failureReason.slice(0, 2000) }
          : { status: 'ended', endReason };
        await reporter
          .callUpdate(this.options.callId, update)
          .catch((e: Error) => this.log(`could not report the end of the call: ${e.message}`));
        await reporter
          .reportUsage(this.options.callId, usage)
          .catch((e: Error) => this.log(`could not report usage: ${e.message}`));
      }
      await this.options.onEnded?.(outcome);
      this.resolveEnded(outcome);
      return outcome;
    })();
    return this.outcome;
  }
}
