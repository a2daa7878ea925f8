import {
  dtmfCode,
  ROOM_RATE,
  type RoomConnection,
  type RoomConnector,
  type RoomHandlers,
  type RoomJoin,
} from './room-connection.ts';

/** What an in-memory agent can do in its room. */
export interface MemoryAgentContext {
  /** Play audio to the caller (16-bit mono, 48 kHz). */
  say(samples: Int16Array): void;
  /** Set the agent's `lk.agent.state`. */
  setState(state: string): void;
  /** Say the caller cut the agent off (what a real agent publishes on `AGENT_INTERRUPTED_TOPIC`). */
  interrupted(): void;
  /** Press a key: DTMF from the agent into the room, for the caller's line. */
  sendDtmf(digit: string): void;
  /** Leave the room, as an agent does when it ends the call. */
  leave(): void;
}

/** A stand-in for the agent worker, living inside the in-memory room. */
export interface MemoryAgent {
  start(context: MemoryAgentContext): void;
  onCallerAudio(frame: Int16Array): void;
  onDtmf?(digit: string): void;
  stop(): void;
}

/** One room as the in-memory connector saw it, for tests to inspect. */
export class MemoryRoom {
  readonly dtmf: string[] = [];
  callerFrames = 0;
  /** Caller frames that were not exactly 20 ms (960 samples): must stay 0. */
  oddFrames = 0;
  closed = false;
  agentGone = false;
  /** The first seconds of the caller's audio, kept for tests (bounded). */
  readonly callerAudio: Int16Array;
  callerAudioLength = 0;

  constructor(
    readonly join: RoomJoin,
    readonly agent: MemoryAgent,
    readonly handlers: RoomHandlers,
    keepSeconds: number,
  ) {
    this.callerAudio = new Int16Array(ROOM_RATE * keepSeconds);
  }

  /** Make the agent leave from the outside (tests). */
  agentLeaves(): void {
    if (this.agentGone || this.closed) return;
    this.agentGone = true;
    this.agent.stop();
    this.handlers.onAgentLeft();
  }

  /** End the room from the outside, e.g. the room was deleted. */
  disconnect(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.stop();
    this.handlers.onDisconnected(reason);
  }
}

export interface MemoryRoomOptions {
  /** The agent for each join. */
  agent: (join: RoomJoin) => MemoryAgent;
  /** Return a reason to make a join fail. */
  rejectJoin?: (join: RoomJoin) => string | undefined;
  /** Seconds of caller audio each room keeps for inspection (0 in the benchmark). */
  keepSeconds?: number;
  /** How long a join takes (a real one takes 100–500 ms). */
  joinDelayMs?: number;
}

export class MemoryRoomConnector implements RoomConnector {
  readonly rooms: MemoryRoom[] = [];

  constructor(private readonly options: MemoryRoomOptions) {}

  /** The most recent room joined by `identity`. */
  room(identity: string): MemoryRoom | undefined {
    return this.rooms.findLast((room) => room.join.identity === identity);
  }

  async connect(join: RoomJoin, handlers: RoomHandlers): Promise<RoomConnection> {
    const delay = this.options.joinDelayMs ?? 0;
    await (delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : Promise.resolve());
    const reason = this.options.rejectJoin?.(join);
    if (reason) throw new Error(`could not join room ${join.roomName} at ${join.serverUrl}: ${reason}`);
    const agent = this.options.agent(join);
    const room = new MemoryRoom(join, agent, handlers, this.options.keepSeconds ?? 10);
    this.rooms.push(room);
    agent.start({
      say: (samples) => {
        if (!room.closed && !room.agentGone) handlers.onAgentAudio(samples);
      },
      setState: (state) => {
        if (!room.closed && !room.agentGone) handlers.onAgentState(state);
      },
      interrupted: () => {
        if (!room.closed && !room.agentGone) handlers.onAgentInterrupted();
      },
      sendDtmf: (digit) => {
        if (!room.closed && !room.agentGone) handlers.onAgentDtmf(digit);
      },
      leave: () => room.agentLeaves(),
    });
    return {
      publishAudio(frame) {
        if (room.closed) return;
        room.callerFrames++;
        if (frame.length !== 960) room.oddFrames++;
        const room_ = room;
        if (room_.callerAudioLength + frame.length <= room_.callerAudio.length) {
          room_.callerAudio.set(frame, room_.callerAudioLength);
          room_.callerAudioLength += frame.length;
        }
        if (!room.agentGone) agent.onCallerAudio(frame);
      },
      async sendDtmf(digit) {
        if (dtmfCode(digit) === undefined) throw new Error(`"${digit}" is not a DTMF digit`);
        room.dtmf.push(digit);
        agent.onDtmf?.(digit);
      },
      async close() {
        if (room.closed) return;
        room.closed = true;
        agent.stop();
      },
    };
  }
}

/** Plays back whatever the caller says, frame for frame. */
export function echoAgent(): MemoryAgent {
  let context: MemoryAgentContext | undefined;
  return {
    start(c) {
      context = c;
      c.setState('listening');
    },
    onCallerAudio(frame) {
      const c = context;
      if (c) queueMicrotask(() => c.say(frame));
    },
    stop() {
      context = undefined;
    },
  };
}

export interface TalkingAgentOptions {
  /** What the agent says (16-bit mono, 48 kHz). */
  speech: Int16Array;
  /** Caller level (RMS, 16-bit scale) that counts as the caller talking. */
  bargeInRms?: number;
  /** Consecutive loud caller frames (20 ms each) before the agent stops. */
  bargeInFrames?: number;
  /** Delay before the agent starts talking. */
  startAfterMs?: number;
  /** Frames delivered at once every `framesPerTick × 20 ms` (1: smooth; more: bursty delivery, as after network jitter). */
  framesPerTick?: number;
}

/**
 * Talks in real time (20 ms frames, silence when it has nothing to say, as a LiveKit track does)
 * and stops when the caller talks over it: the agent-side behaviour of an interruption.
 */
export class TalkingAgent implements MemoryAgent {
  framesSpoken = 0;
  interruptedAt: number | undefined;
  finishedAt: number | undefined;
  private context: MemoryAgentContext | undefined;
  private timer: NodeJS.Timeout | undefined;
  private position = 0;
  private speaking = false;
  private loudFrames = 0;
  private readonly silence = new Int16Array(960);

  constructor(private readonly options: TalkingAgentOptions) {}

  start(context: MemoryAgentContext): void {
    this.context = context;
    context.setState('listening');
    const startAt = performance.now() + (this.options.startAfterMs ?? 0);
    let next = performance.now();
    const tick = () => {
      const c = this.context;
      if (!c) return;
      const now = performance.now();
      if (!this.speaking && this.position === 0 && now >= startAt) {
        this.speaking = true;
        c.setState('speaking');
      }
      const burst = this.options.framesPerTick ?? 1;
      for (let i = 0; i < burst; i++) {
        if (this.speaking) {
          const end = Math.min(this.position + 960, this.options.speech.length);
          const frame = new Int16Array(960);
          frame.set(this.options.speech.subarray(this.position, end));
          this.position = end;
          this.framesSpoken++;
          c.say(frame);
          if (end >= this.options.speech.length) {
            this.speaking = false;
            this.finishedAt = now;
            c.setState('listening');
          }
        } else {
          c.say(this.silence);
        }
      }
      next += 20 * burst;
      this.timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  }

  onCallerAudio(frame: Int16Array): void {
    let power = 0;
    for (let i = 0; i < frame.length; i++) power += (frame[i] as number) * (frame[i] as number);
    const rms = Math.sqrt(power / frame.length);
    this.loudFrames = rms >= (this.options.bargeInRms ?? 500) ? this.loudFrames + 1 : 0;
    if (this.speaking && this.loudFrames >= (this.options.bargeInFrames ?? 3)) {
      // What agents do on an interruption: stop the audio at once, tell the room, change state.
      this.speaking = false;
      this.interruptedAt = performance.now();
      this.context?.interrupted();
      this.context?.setState('listening');
    }
  }

  stop(): void {
    this.context = undefined;
    if (this.timer) clearTimeout(this.timer);
  }
}
