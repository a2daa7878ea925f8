/**
 * RIFF/WAVE with 16-bit little-endian PCM, mono: what the agent posts and what the host answers.
 * Parsing walks the chunks (a `LIST` or `fact` chunk may come before `data`) and refuses anything
 * else with a reason a caller can act on.
 */

export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

export interface PcmAudio {
  sampleRate: number;
  /** Samples scaled to [-1, 1). */
  samples: Float32Array;
}

const MIN_RATE = 4000;
const MAX_RATE = 192_000;

export function parseWav(bytes: Uint8Array): PcmAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || text(0) !== 'RIFF' || text(8) !== 'WAVE') {
    throw new WavFormatError('the body is not a RIFF/WAVE file');
  }
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = text(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavFormatError('the fmt chunk is truncated');
      format = {
        tag: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
      // WAVE_FORMAT_EXTENSIBLE carries the real format in its sub-format GUID's first two bytes.
      if (format.tag === 0xfffe && size >= 40 && body + 26 <= bytes.length)
        format.tag = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('the data chunk comes before the fmt chunk');
      if (format.tag !== 1 || format.bits !== 16) {
        throw new WavFormatError(
          `only 16-bit PCM is accepted (this file is format ${format.tag}, ${format.bits} bits)`,
        );
      }
      if (format.channels !== 1)
        throw new WavFormatError(`only mono is accepted (this file has ${format.channels} channels)`);
      if (format.sampleRate < MIN_RATE || format.sampleRate > MAX_RATE) {
        throw new WavFormatError(`the sample rate ${format.sampleRate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`);
      }
      // A streaming writer may leave the size at 0 or 0xFFFFFFFF: take what is there.
      const available = bytes.length - body;
      const length = size === 0 || size > available ? available : size;
      const count = Math.floor(length / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + i * 2, true) / 32768;
      return { sampleRate: format.sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError('the file has no data chunk');
}

/** 16-bit PCM from samples in [-1, 1], rounded and saturated. */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round((samples[i] as number) * 32767);
    out[i] = Math.min(32767, Math.max(-32768, v));
  }
  return out;
}

export function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

export function encodeWav(pcm: Int16Array, sampleRate: number): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  return Buffer.concat([wavHeader(sampleRate, data.length), data]);
}
