import type { CallSummary, TelephonyProvider } from '@speaknode/contracts';
import { dtmfFrames, dtmfFrequencies } from './audio/dtmf-tones.ts';
import {
  bytesFor,
  bytesPerSample,
  FRAME_MS,
  InboundAudio,
  type MediaFormat,
  OutboundAudio,
} from './audio/media-format.ts';
import { type ControlClient, ControlError } from './control-client.ts';
import type { BridgeMetrics, LegOutcome } from './metrics.ts';
import type { RoomConnection, RoomConnector } from './room/room-connection.ts';

/** Mean square of −40 dBFS (16-bit scale): caller audio above it is never skipped to catch up. */
const CATCH_UP_CEILING = (32768 * 10 ** (-40 / 20)) ** 2;

/** WebSocket close codes the bridge uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** The provider side of one leg: how the leg talks back to the phone. */
export interface ProviderSink {
  /** One 20 ms frame of agent audio in the stream's format. */
  sendMedia(payload: Uint8Array): void;
  /** Ask the provider to report when everything sent so far has played (Twilio marks); absent where the protocol has none. */
  sendMark?(name: string): void;
  /** Drop what the provider has queued but not yet played. */
  sendClear(): void;
  /** Press a key on the phone line out of band, where the protocol can; absent: the bridge plays the key's tones in the audio. */
  sendDtmf?(digit: string): void;
  /** End the phone leg from the bridge's side. */
  hangUp(code: number, reason: string): void;
}

export interface LegSettings {
  /** Agent audio queued at the provider ahead of playback (BRIDGE_MAX_QUEUED_MS). */
  maxQueuedMs: number;
  /** Agent audio buffered in the bridge before the oldest is dropped. */
  maxBufferedMs: number;
  /** How far caller audio may run ahead of real time before it is dropped. */
  floodAllowanceMs: number;
  /** Dropped flood audio (less real time elapsed since) after which the leg is closed. */
  floodLimitMs: number;
  /** Frames between Twilio marks. */
  markEveryFrames: number;
  /** Delay before the first frame of a stretch of agent audio goes out, so arrival jitter does not starve the grid. */
  jitterMs: number;
  /** How long an unknown call id is retried: the stream may arrive before control has created the call. */
  callAppearWaitMs: number;
  /** How long after joining the room an agent must show up (state or audio) before the bridge gives up and hangs up. */
  agentJoinTimeoutMs: number;
  /** Caller audio kept while the room is being joined, delivered once it is (the caller's first word). */
  joinBufferMs: number;
}

export const DEFAULT_LEG_SETTINGS: LegSettings = {
  maxQueuedMs: 100,
  maxBufferedMs: 1000,
  floodAllowanceMs: 1000,
  floodLimitMs: 5000,
  markEveryFrames: 10,
  jitterMs: 40,
  callAppearWaitMs: 3000,
  agentJoinTimeoutMs: 20_000,
  joinBufferMs: 3000,
};

/** One line for the operator's log; `main.ts` writes it as JSON, tests drop it. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface LegDeps {
  control: ControlClient;
  rooms: RoomConnector;
  metrics: BridgeMetrics;
  settings: LegSettings;
  now?: () => number;
  log?: (entry: LogEntry) => void;
  /** SPEAKNODE_STREAM_SECRET: when set, a stream's start must carry a valid `streamToken` for its call. */
  streamSecret?: string;
}

/** Whether a payload can be a stream's audio: whole samples, a multiple of 10 ms, at most 200 ms. */
export function payloadProblem(format: MediaFormat, bytes: number): string | undefined {
  const tenMs = bytesFor(format, 10);
  if (bytes === 0) return 'empty payload';
  if (bytes % bytesPerSample(format) !== 0) return `payload of ${bytes} bytes is not a whole number of samples`;
  if (bytes % tenMs !== 0) return `payload of ${bytes} bytes is not a multiple of 10 ms (${tenMs} bytes)`;
  if (bytes > tenMs * 20) return `payload of ${bytes} bytes is longer than 200 ms`;
  return undefined;
}

export interface LegStats {
  framesIn: number;
  framesOut: number;
  /** Frames Twilio confirmed as played (through marks). */
  framesPlayed: number;
  framesCleared: number;
  framesDropped: number;
  bargeIns: number;
  dtmf: number;
}

/**
 * One phone leg: a provider stream joined to the call's room as the caller. Provider sessions
 * (Twilio, VoxImplant) feed it parsed messages; it owns the room connection, the audio pipelines
 * and the real-time pacing of agent audio back to the provider.
 */
export class PhoneLeg {
  state: 'joining' | 'active' | 'ended' = 'joining';
  outcome: LegOutcome | undefined;
  call: CallSummary | undefined;
  readonly stats: LegStats = {
    framesIn: 0,
    framesOut: 0,
    framesPlayed: 0,
    framesCleared: 0,
    framesDropped: 0,
    bargeIns: 0,
    dtmf: 0,
  };

  private room: RoomConnection | undefined;
  /** The underlying error behind a failed start, for the log (the socket gets a shorter reason). */
  private cause: string | undefined;
  private readonly startedAt = performance.now();
  private readonly inbound: InboundAudio;
  private readonly outbound: OutboundAudio;
  private readonly now: () => number;
  /** Agent frames waiting for their slot (a ring would do; it never holds more than maxBufferedMs). */
  private queue: Uint8Array[] = [];
  /** When the provider will have played everything sent so far, on the monotonic clock. */
  private playoutEndsAt = 0;
  /** The next tick of the send grid; undefined while no agent audio is flowing. */
  private tickAt: number | undefined;
  private idleTicks = 0;
  /**
   * Frames the next tick may send: what fits at the start of a stretch, then one per slot of the
   * grid since the previous tick (more only after a stall skipped slots). A slot whose frame had
   * not arrived yet stays empty: its frame goes one slot later, not as a second frame in a tick.
   */
  private tickAllowance = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** Whether an agent has shown itself in the room (a state attribute or audio). */
  private agentSeen = false;
  private agentWait: NodeJS.Timeout | undefined;
  private squelchUntil = 0;
  private firstMediaAt: number | undefined;
  private receivedMs = 0;
  /** Dropped flood audio not yet worked off; drains at real time, so only a sustained flood (over 2× real time) closes the leg. */
  private floodDebtMs = 0;
  private lastMediaAt = 0;
  private markSeq = 0;
  /** Caller frames (room rate) heard while the room was being joined. */
  private joinBuffer: Int16Array[] = [];
  /**
   * Frames the caller's audio runs behind real time since the join buffer was delivered: the
   * room's track plays in real time, so that much latency stays until the caller pauses. Quiet
   * frames are skipped until it is worked off.
   */
  private catchUpFrames = 0;
  /** The caller's line noise (mean square, 16-bit scale): the quietest recent payload, rising slowly. */
  private noiseFloor = Number.POSITIVE_INFINITY;
  /** Frames sent when each outstanding mark was sent, by mark number. */
  private readonly marks = new Map<number, number>();
  /** Marks outstanding at a `clear`: Twilio returns them although their audio never played. */
  private readonly clearedMarks = new Set<number>();

  constructor(
    readonly provider: TelephonyProvider,
    readonly callId: string,
    readonly format: MediaFormat,
    private readonly sink: ProviderSink,
    private readonly deps: LegDeps,
  ) {
    this.inbound = new InboundAudio(format);
    this.outbound = new OutboundAudio(format);
    this.now = deps.now ?? (() => performance.now());
    deps.metrics.activeLegs[provider]++;
    deps.metrics.inc('bridge_legs_started_total', { provider });
  }

  /** A method, not a property check, so TypeScript does not narrow it across awaits. */
  isEnded(): boolean {
    return this.state === 'ended';
  }

  get identity(): string {
    return `phone-${this.callId}`;
  }

  /** Look the call up, get a token, join the room. Ends the leg (and hangs up) when any step fails. */
  async begin(): Promise<void> {
    const { control, rooms } = this.deps;
    let call: CallSummary | undefined;
    // The stream can connect before control has created the call from the receiver's event: wait a little.
    const deadline = this.now() + this.deps.settings.callAppearWaitMs;
    while (!call) {
      try {
        call = await control.getCall(this.callId);
      } catch (error) {
        if (!(error instanceof ControlError && error.notFound)) {
          this.cause = (error as Error).message;
          return this.end(
            'control_unavailable',
            CloseCode.internalError,
            'could not look up the call; try again later',
          );
        }
        if (this.isEnded()) return;
        if (this.now() >= deadline) {
          return this.end('unknown_call', CloseCode.policyViolation, `unknown call ${this.callId}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    if (this.isEnded()) return;
    if (call.channel !== 'phone' || call.status === 'ended' || call.status === 'failed') {
      return this.end('unknown_call', CloseCode.policyViolation, `call ${this.callId} is not a live phone call`);
    }
    if (call.provider !== null && call.provider !== this.provider) {
      return this.end('unknown_call', CloseCode.policyViolation, `call ${this.callId} belongs to ${call.provider}`);
    }
    this.call = call;
    const attributes: Record<string, string> = {
      'speaknode.callId': this.callId,
      'speaknode.provider': this.provider,
    };
    if (call.fromNumber) attributes['speaknode.callerNumber'] = call.fromNumber;
    if (call.toNumber) attributes['speaknode.calledNumber'] = call.toNumber;
    try {
      const grant = await control.participantToken(this.callId, {
        identity: this.identity,
        name: call.fromNumber ?? 'Phone caller',
        attributes,
      });
      if (this.isEnded()) return;
      const room = await rooms.connect(
        {
          serverUrl: grant.serverUrl,
          token: grant.token,
          identity: this.identity,
          roomName: call.roomName,
          attributes,
        },
        {
          onAgentAudio: (samples) => this.agentAudio(samples),
          onAgentState: () => {
            this.agentSeen = true;
          },
          onAgentInterrupted: () => this.bargeIn(),
          onAgentDtmf: (digit) => this.agentDtmf(digit),
          onAgentLeft: () => this.end('agent_left', CloseCode.normal, 'the agent ended the call'),
          onDisconnected: (reason) => this.end('room_closed', CloseCode.normal, `the call's room ended (${reason})`),
        },
      );
      if (this.isEnded()) {
        await room.close();
        return;
      }
      this.room = room;
      this.state = 'active';
      // What the caller said while the room was joined ("Hello, I…") goes in first, whole.
      for (const frame of this.joinBuffer) room.publishAudio(frame);
      this.catchUpFrames = this.joinBuffer.length;
      this.joinBuffer = [];
      // A caller must not wait in silence for an agent that never comes (worker down, dispatch lost).
      this.agentWait = setTimeout(() => {
        if (!this.agentSeen) this.end('no_agent', CloseCode.normal, 'no agent joined the call');
      }, this.deps.settings.agentJoinTimeoutMs);
      this.deps.log?.({
        level: 'info',
        msg: 'phone leg joined its room',
        provider: this.provider,
        callId: this.callId,
        room: call.roomName,
      });
    } catch (error) {
      this.cause = (error as Error).message;
      if (error instanceof ControlError) {
        return this.end('control_unavailable', CloseCode.internalError, 'could not get a room token; try again later');
      }
      return this.end('join_failed', CloseCode.internalError, "could not join the call's room");
    }
  }

  /**
   * Caller audio (already checked with `payloadProblem`). Returns false when it was dropped as a
   * flood; the leg closes itself once too much has been dropped.
   */
  media(payload: Uint8Array): boolean {
    if (this.state === 'ended') return true;
    const now = this.now();
    const ms = (payload.length / bytesFor(this.format, 1)) | 0;
    if (this.firstMediaAt === undefined) this.firstMediaAt = now;
    const elapsed = now - this.firstMediaAt;
    const { floodAllowanceMs, floodLimitMs } = this.deps.settings;
    // No credit for silence: a stream that paused may not make up for it with a burst.
    if (this.receivedMs < elapsed - floodAllowanceMs) this.receivedMs = elapsed - floodAllowanceMs;
    this.floodDebtMs = Math.max(0, this.floodDebtMs - (now - this.lastMediaAt));
    this.lastMediaAt = now;
    if (this.receivedMs + ms - elapsed > floodAllowanceMs) {
      this.floodDebtMs += ms;
      this.deps.metrics.rejected(this.provider, 'flood');
      if (this.floodDebtMs > floodLimitMs) {
        this.end('protocol_error', CloseCode.policyViolation, 'media arrives faster than real time');
      }
      return false;
    }
    this.receivedMs += ms;
    this.stats.framesIn++;
    const room = this.room;
    if (!room) {
      this.inbound.push(payload, (frame) => this.bufferWhileJoining(frame));
      return true;
    }
    if (this.catchUpFrames === 0) {
      this.inbound.push(payload, (frame) => room.publishAudio(frame));
      return true;
    }
    this.inbound.push(payload, (frame) => {
      const power = this.inbound.lastPower;
      this.noiseFloor = Math.min(power, this.noiseFloor * 1.02);
      // Quiet: within 10 dB of the line's own noise (or digital silence), and below −40 dBFS, so
      // speech, however quiet the line, is never skipped (a line that never fell silent just keeps its delay).
      if (this.catchUpFrames > 0 && power <= Math.max(this.noiseFloor * 10, 1) && power < CATCH_UP_CEILING) {
        this.catchUpFrames--;
        this.deps.metrics.inc('bridge_media_dropped_total', { provider: this.provider, reason: 'catch_up' });
        return;
      }
      room.publishAudio(frame);
    });
    return true;
  }

  private bufferWhileJoining(frame: Int16Array): void {
    this.noiseFloor = Math.min(this.inbound.lastPower, this.noiseFloor * 1.02);
    if (this.joinBuffer.length * FRAME_MS >= this.deps.settings.joinBufferMs) {
      this.deps.metrics.inc('bridge_media_dropped_total', { provider: this.provider, reason: 'joining' });
      return;
    }
    this.joinBuffer.push(frame);
  }

  dtmf(digit: string): void {
    if (this.state !== 'active' || !this.room) return;
    this.stats.dtmf++;
    this.deps.metrics.inc('bridge_dtmf_total', { provider: this.provider });
    this.room
      .sendDtmf(digit)
      .catch(() => this.deps.metrics.inc('bridge_dtmf_failed_total', { provider: this.provider }));
  }

  /** A Twilio mark came back: everything sent before it has played (or was cleared). Returns false for a mark this leg never sent. */
  markPlayed(name: string): boolean {
    const seq = Number(name.startsWith('m') ? name.slice(1) : Number.NaN);
    if (this.clearedMarks.delete(seq)) return true;
    const sentBefore = this.marks.get(seq);
    if (sentBefore === undefined) return false;
    for (const key of this.marks.keys()) if (key <= seq) this.marks.delete(key);
    if (sentBefore > this.stats.framesPlayed) this.stats.framesPlayed = sentBefore;
    return true;
  }

  private agentAudio(samples: Int16Array): void {
    if (this.state !== 'active') return;
    this.agentSeen = true;
    if (this.now() < this.squelchUntil) return;
    this.outbound.push(samples, (payload) => this.enqueue(payload));
  }

  /**
   * The agent says the caller cut it off (its voice activity detection heard them): stop its
   * speech at the provider now. The agent decides, on the caller's own audio; the bridge applies
   * no level of its own, so a quiet caller interrupts as well as a loud one.
   */
  bargeIn(): void {
    if (this.state !== 'active') return;
    this.agentSeen = true;
    const now = this.now();
    this.stats.bargeIns++;
    this.deps.metrics.inc('bridge_barge_in_total', { provider: this.provider });
    this.stats.framesDropped += this.queue.length;
    this.queue = [];
    this.outbound.reset();
    const unplayed = Math.max(0, Math.round((this.playoutEndsAt - now) / FRAME_MS));
    this.stats.framesCleared += unplayed;
    this.playoutEndsAt = now;
    this.clearedMarks.clear();
    for (const seq of this.marks.keys()) this.clearedMarks.add(seq);
    this.marks.clear();
    // Audio already in flight from the agent belongs to the cut speech.
    this.squelchUntil = now + 100;
    // What the agent says next starts a stretch of its own (jitter delay, provider buffer filled).
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.tickAt = undefined;
    this.sink.sendClear();
  }

  /** The agent pressed a key: out of band where the provider can, otherwise as tones after what is queued. */
  private agentDtmf(digit: string): void {
    if (this.state !== 'active' || dtmfFrequencies(digit) === undefined) return;
    this.deps.metrics.inc('bridge_dtmf_sent_total', { provider: this.provider });
    if (this.sink.sendDtmf) {
      this.sink.sendDtmf(digit);
      return;
    }
    for (const frame of dtmfFrames(digit, this.format.sampleRate)) this.enqueue(this.outbound.encode(frame));
  }

  private enqueue(payload: Uint8Array): void {
    if (this.queue.length * FRAME_MS >= this.deps.settings.maxBufferedMs) {
      this.queue.shift();
      this.stats.framesDropped++;
      this.deps.metrics.inc('bridge_outbound_dropped_total', { provider: this.provider });
    }
    this.queue.push(payload);
    if (this.tickAt === undefined) {
      // A new stretch of agent audio: give the next frames a moment to arrive, then run the grid.
      const jitter = this.deps.settings.jitterMs;
      this.tickAt = this.now() + jitter;
      this.idleTicks = 0;
      this.tickAllowance = Number.POSITIVE_INFINITY;
      this.timer = setTimeout(this.tick, jitter);
    }
  }

  /**
   * One tick of the leg's 20 ms send grid. Ticks fall at exact 20 ms steps of the monotonic clock
   * (`tickAt += 20`), so timer lateness never accumulates into drift. Each tick tops the
   * provider's buffer up to `maxQueuedMs`: at the start of a stretch it sends what has gathered
   * during the jitter delay, afterwards one frame per tick, since the provider plays 20 ms per
   * tick. The provider's buffer is modelled by `playoutEndsAt`, which drains along the clock;
   * Twilio's marks say what has really played.
   */
  private tick = (): void => {
    this.timer = undefined;
    const scheduled = this.tickAt;
    if (this.state !== 'active' || scheduled === undefined) return;
    const now = this.now();
    const { maxQueuedMs, markEveryFrames } = this.deps.settings;
    let sent = 0;
    // Decisions are taken at the tick's slot, not at the moment the timer happened to fire: a timer
    // a little late one tick and on time the next must not skip a frame and then send two.
    while (this.queue.length > 0 && sent < this.tickAllowance) {
      // An idle provider starts playing a frame when it arrives, not at the slot it was due.
      if (this.playoutEndsAt < now) this.playoutEndsAt = now;
      if (this.playoutEndsAt + FRAME_MS - scheduled > maxQueuedMs) break;
      // If Twilio stops confirming playback, wait for it instead of piling audio up there.
      const unconfirmed = this.stats.framesOut - this.stats.framesPlayed - this.stats.framesCleared;
      if (this.sink.sendMark && unconfirmed > (maxQueuedMs + 1000) / FRAME_MS) break;
      this.sink.sendMedia(this.queue.shift() as Uint8Array);
      this.playoutEndsAt += FRAME_MS;
      this.stats.framesOut++;
      sent++;
      if (this.sink.sendMark && this.stats.framesOut % markEveryFrames === 0) {
        const seq = ++this.markSeq;
        this.marks.set(seq, this.stats.framesOut);
        this.sink.sendMark(`m${seq}`);
      }
    }
    if (sent > 0) this.deps.metrics.lateness.record(now - scheduled);
    this.idleTicks = sent === 0 && this.queue.length === 0 ? this.idleTicks + 1 : 0;
    if (this.idleTicks >= 5) {
      // 100 ms without agent audio: the grid rests until the next frame.
      this.tickAt = undefined;
      return;
    }
    // The next tick on the grid; after a stall, missed ticks are skipped rather than caught up in a burst.
    const next = scheduled + FRAME_MS * Math.max(1, Math.ceil((now - scheduled) / FRAME_MS));
    this.tickAt = next;
    this.tickAllowance = Math.round((next - scheduled) / FRAME_MS);
    this.timer = setTimeout(this.tick, next - now);
  };

  /** End the leg: leave the room, stop sending. `hangUp` ends the provider side too (when the bridge decided). */
  end(outcome: LegOutcome, code: number, reason: string, hangUp = true): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.outcome = outcome;
    clearTimeout(this.agentWait);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.tickAt = undefined;
    this.queue = [];
    this.joinBuffer = [];
    this.deps.metrics.activeLegs[this.provider]--;
    this.deps.metrics.inc('bridge_legs_ended_total', { provider: this.provider, outcome });
    const room = this.room;
    this.room = undefined;
    room?.close().catch(() => {});
    const failed = ['join_failed', 'unknown_call', 'control_unavailable', 'protocol_error'].includes(outcome);
    this.deps.log?.({
      level: failed ? 'warn' : 'info',
      msg: failed ? `phone leg failed: ${reason}` : 'phone leg ended',
      provider: this.provider,
      callId: this.callId,
      outcome,
      reason,
      ...(this.cause ? { cause: this.cause } : {}),
      seconds: Math.round((performance.now() - this.startedAt) / 100) / 10,
      ...this.stats,
    });
    if (hangUp) this.sink.hangUp(code, reason);
  }
}
