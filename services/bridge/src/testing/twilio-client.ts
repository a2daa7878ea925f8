import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MULAW_TO_LINEAR } from '../audio/g711.ts';

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

interface ReceivedMedia {
  at: number;
  payload: Buffer;
}

/**
 * Plays Twilio's part of a bidirectional Media Stream, message for message as Twilio's
 * "Media Streams - WebSocket Messages" page documents them (string sequence numbers, chunk and
 * timestamp; `dtmf` on `inbound_track`; `stop` with account and call SIDs), and models Twilio's
 * playback: media it receives is played at 20 ms per frame, a `mark` comes back once the audio
 * before it has played, `clear` drops what is buffered and returns every pending mark.
 */
export class TwilioTestClient {
  readonly streamSid = sid('MZ');
  readonly accountSid = sid('AC');
  readonly callSid = sid('CA');
  readonly socket: WebSocket;
  readonly received: ReceivedMedia[] = [];
  readonly marksReturned: string[] = [];
  readonly otherMessages: Record<string, unknown>[] = [];
  clears: number[] = [];
  /** Audio Twilio "played" to the caller, as 16-bit samples at 8 kHz. */
  played: number[] = [];
  /** The most audio ever waiting in the playback buffer, in frames. */
  maxBufferedFrames = 0;
  /** Set to false to play a Twilio that has stopped confirming playback. */
  returnMarks = true;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  private sequence = 0;
  private chunk = 0;
  private buffer: Buffer[] = [];
  /** Marks waiting for the frames before them: [frames still to play before it, name]. */
  private pendingMarks: { after: number; name: string }[] = [];
  private playedFrames = 0;
  private enqueuedFrames = 0;
  private playTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => {
        if (this.playTimer) clearTimeout(this.playTimer);
        resolve({ code, reason: reason.toString() });
      });
    });
    this.socket.on('error', () => {});
    this.socket.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
    const play = () => {
      this.playDue();
      this.playTimer = setTimeout(play, Math.max(0, this.nextPlayAt - performance.now()));
    };
    this.playTimer = setTimeout(play, 20);
  }

  /** Twilio's player: one 20 ms frame per 20 ms of the clock, however late this timer runs. */
  private nextPlayAt = performance.now() + 20;
  private playDue(): void {
    const now = performance.now();
    while (this.nextPlayAt <= now) {
      const frame = this.buffer.shift();
      if (frame) {
        for (const code of frame) this.played.push(MULAW_TO_LINEAR[code] as number);
        this.playedFrames++;
      }
      this.nextPlayAt += 20;
    }
    this.flushMarks();
  }

  private onMessage(message: Record<string, unknown>): void {
    this.playDue();
    if (message.event === 'media') {
      const payload = Buffer.from((message.media as { payload: string }).payload, 'base64');
      this.received.push({ at: performance.now(), payload });
      this.buffer.push(payload);
      this.enqueuedFrames++;
      this.maxBufferedFrames = Math.max(this.maxBufferedFrames, this.buffer.length);
    } else if (message.event === 'mark') {
      this.pendingMarks.push({ after: this.enqueuedFrames, name: (message.mark as { name: string }).name });
      this.flushMarks();
    } else if (message.event === 'clear') {
      this.clears.push(performance.now());
      this.enqueuedFrames -= this.buffer.length;
      this.buffer = [];
      for (const mark of this.pendingMarks) this.returnMark(mark.name);
      this.pendingMarks = [];
    } else {
      this.otherMessages.push(message);
    }
  }

  private flushMarks(): void {
    while (this.pendingMarks.length > 0 && (this.pendingMarks[0]?.after ?? 0) <= this.playedFrames) {
      this.returnMark(this.pendingMarks.shift()?.name as string);
    }
  }

  private returnMark(name: string): void {
    if (!this.returnMarks) return;
    this.marksReturned.push(name);
    this.send({ event: 'mark', sequenceNumber: String(++this.sequence), streamSid: this.streamSid, mark: { name } });
  }

  send(message: unknown): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  connected(): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  }

  start(customParameters: Record<string, string>): void {
    this.send({
      event: 'start',
      sequenceNumber: String(++this.sequence),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters,
      },
      streamSid: this.streamSid,
    });
  }

  /** One inbound media message. */
  media(payload: Uint8Array): void {
    this.chunk++;
    this.send({
      event: 'media',
      sequenceNumber: String(++this.sequence),
      media: {
        track: 'inbound',
        chunk: String(this.chunk),
        timestamp: String(Math.round(performance.now() - this.startedAt)),
        payload: Buffer.from(payload).toString('base64'),
      },
      streamSid: this.streamSid,
    });
  }

  /** Send mu-law audio as Twilio does: 160-byte (20 ms) chunks, paced in real time. */
  async speak(mulaw: Uint8Array): Promise<void> {
    const start = performance.now();
    for (let i = 0, n = 0; i + 160 <= mulaw.length; i += 160, n++) {
      const due = start + n * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.media(mulaw.subarray(i, i + 160));
    }
  }

  /** Silence (mu-law 0xFF) for `ms`, paced in real time. */
  silence(ms: number): Promise<void> {
    return this.speak(new Uint8Array((ms / 20) * 160).fill(0xff));
  }

  dtmf(digit: string): void {
    this.send({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: String(++this.sequence),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  stop(): void {
    this.send({
      event: 'stop',
      sequenceNumber: String(++this.sequence),
      stop: { accountSid: this.accountSid, callSid: this.callSid },
      streamSid: this.streamSid,
    });
  }

  close(): void {
    if (this.playTimer) clearTimeout(this.playTimer);
    this.socket.close();
  }
}
