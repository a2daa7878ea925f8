import { linearToMuLaw, MULAW_TO_LINEAR } from '../audio/g711.ts';
import type { TwilioTestClient } from './twilio-client.ts';

const FRAME_BYTES = 160;
const SILENCE = new Uint8Array(FRAME_BYTES).fill(0xff);
/** A frame louder than this (RMS, 16-bit scale, about −50 dBFS) counts as the start of speech. */
const ONSET_RMS = 100;

/** Mu-law audio `db` decibels quieter or louder. */
export function withGain(mulaw: Uint8Array, db: number): Uint8Array {
  const gain = 10 ** (db / 20);
  return mulaw.map((code) => linearToMuLaw(Math.round((MULAW_TO_LINEAR[code] as number) * gain)));
}

/**
 * A caller on a Twilio stream: one 20 ms media message on every tick of a 20 ms grid, as Twilio
 * sends them, silence unless `say` queued speech. `say` reports when the speech's first audible
 * frame went out, the moment barge-in latency is measured from.
 */
export class PacedCaller {
  private queue: Array<{ frames: Uint8Array[]; onset: (at: number) => void; sentOnset: boolean }> = [];
  private timer: NodeJS.Timeout | undefined;
  private next = performance.now();
  framesSent = 0;

  constructor(private readonly client: TwilioTestClient) {
    const tick = () => {
      this.sendDue();
      this.timer = setTimeout(tick, Math.max(0, this.next - performance.now()));
    };
    tick();
  }

  private sendDue(): void {
    const now = performance.now();
    // A late timer sends the frames that were due, so the stream keeps real time.
    while (this.next <= now) {
      this.next += 20;
      const item = this.queue[0];
      const frame = item?.frames.shift();
      if (!item || !frame) {
        if (item) this.queue.shift();
        this.client.media(SILENCE);
        continue;
      }
      if (!item.sentOnset) {
        let power = 0;
        for (const code of frame) power += (MULAW_TO_LINEAR[code] as number) ** 2;
        if (Math.sqrt(power / frame.length) >= ONSET_RMS) {
          item.sentOnset = true;
          item.onset(performance.now());
        }
      }
      this.client.media(frame);
      this.framesSent++;
    }
  }

  /** Queue speech (mu-law, 8 kHz); resolves with when its first audible frame was sent. */
  say(mulaw: Uint8Array): Promise<number> {
    const frames: Uint8Array[] = [];
    for (let i = 0; i + FRAME_BYTES <= mulaw.length; i += FRAME_BYTES) frames.push(mulaw.subarray(i, i + FRAME_BYTES));
    return new Promise((resolve) => this.queue.push({ frames, onset: resolve, sentOnset: false }));
  }

  /** Whether everything queued has been sent. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
