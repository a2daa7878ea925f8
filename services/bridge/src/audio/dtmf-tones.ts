/**
 * In-band DTMF: a key as its two tones (ITU-T Q.23 frequencies), for providers that cannot send
 * keys out of band on the media stream (Twilio Media Streams). G.711 carries the tones intact, so
 * IVRs and carriers that detect in-band DTMF hear a key press.
 */

const ROWS = [697, 770, 852, 941];
const COLUMNS = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

/** Tone and pause lengths: Q.24 asks for at least 40 ms of each; 100 ms is what phones send. */
export const DTMF_TONE_MS = 100;
export const DTMF_PAUSE_MS = 100;
/** Each tone at −9 dBFS (16-bit scale), the high (column) tone 2 dB above the low one, as phones do. */
const LOW_AMPLITUDE = 32767 * 10 ** (-11 / 20);
const HIGH_AMPLITUDE = 32767 * 10 ** (-9 / 20);

/** The row and column frequencies of a key, or undefined for anything else. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const key = digit.toUpperCase();
  for (let row = 0; row < 4; row++) {
    const column = (KEYPAD[row] as string).indexOf(key);
    if (key.length === 1 && column >= 0) return [ROWS[row] as number, COLUMNS[column] as number];
  }
  return undefined;
}

/**
 * One key press at `sampleRate`, cut into 20 ms frames (16-bit scale): the tone, then silence.
 * The tone is faded in and out over 2 ms so it starts and ends without a click.
 */
export function dtmfFrames(digit: string, sampleRate: number): Float32Array[] {
  const pair = dtmfFrequencies(digit);
  if (!pair) throw new Error(`"${digit}" is not a DTMF key`);
  const [low, high] = pair;
  const frameSamples = (sampleRate * 20) / 1000;
  const toneSamples = (sampleRate * DTMF_TONE_MS) / 1000;
  const total = toneSamples + (sampleRate * DTMF_PAUSE_MS) / 1000;
  const ramp = (sampleRate * 2) / 1000;
  const frames: Float32Array[] = [];
  for (let start = 0; start < total; start += frameSamples) {
    const frame = new Float32Array(frameSamples);
    for (let i = 0; i < frameSamples && start + i < toneSamples; i++) {
      const n = start + i;
      const t = n / sampleRate;
      const envelope = Math.min(1, n / ramp, (toneSamples - 1 - n) / ramp);
      frame[i] =
        envelope *
        (LOW_AMPLITUDE * Math.sin(2 * Math.PI * low * t) + HIGH_AMPLITUDE * Math.sin(2 * Math.PI * high * t));
    }
    frames.push(frame);
  }
  return frames;
}
