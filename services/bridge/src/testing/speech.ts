import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpeechFixture {
  /** G.711 mu-law at 8 kHz, as Twilio sends it. */
  mulaw8k: Uint8Array;
  /** A-law at 8 kHz. */
  alaw8k: Uint8Array;
  /** 16-bit little-endian PCM at 16 kHz (VoxImplant PCM16). */
  pcm16k: Uint8Array;
  /** 16-bit PCM at 48 kHz, what an agent publishes. */
  pcm48k: Int16Array;
}

const cacheDir = join(tmpdir(), 'speaknode-bridge-speech');

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `${command} is not installed; the speech fixtures need espeak-ng and sox (apt-get install espeak-ng sox)`,
      );
    }
    throw new Error(
      `${command} ${args.join(' ')} failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`,
    );
  }
}

/** Real synthetic speech: `espeak-ng` says `text`, `sox` converts it to the formats the bridge meets. */
export function speech(text: string): SpeechFixture {
  mkdirSync(cacheDir, { recursive: true });
  const key = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const wav = join(cacheDir, `${key}.wav`);
  const files = {
    mulaw8k: join(cacheDir, `${key}.ulaw`),
    alaw8k: join(cacheDir, `${key}.alaw`),
    pcm16k: join(cacheDir, `${key}.s16k`),
    pcm48k: join(cacheDir, `${key}.s48k`),
  };
  if (!existsSync(files.pcm48k)) {
    run('espeak-ng', ['-w', wav, text]);
    run('sox', [wav, '-r', '8000', '-c', '1', '-e', 'mu-law', '-t', 'raw', files.mulaw8k]);
    run('sox', [wav, '-r', '8000', '-c', '1', '-e', 'a-law', '-t', 'raw', files.alaw8k]);
    run('sox', [wav, '-r', '16000', '-c', '1', '-e', 'signed', '-b', '16', '-L', '-t', 'raw', files.pcm16k]);
    run('sox', [wav, '-r', '48000', '-c', '1', '-e', 'signed', '-b', '16', '-L', '-t', 'raw', files.pcm48k]);
  }
  const pcm48 = readFileSync(files.pcm48k);
  return {
    mulaw8k: new Uint8Array(readFileSync(files.mulaw8k)),
    alaw8k: new Uint8Array(readFileSync(files.alaw8k)),
    pcm16k: new Uint8Array(readFileSync(files.pcm16k)),
    pcm48k: new Int16Array(pcm48.buffer.slice(pcm48.byteOffset, pcm48.byteOffset + pcm48.length)),
  };
}

/** Best normalised cross-correlation of `b` against `a` over lags 0..maxLag (b delayed). */
export function bestCorrelation(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  maxLag: number,
): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  for (let lag = 0; lag <= maxLag; lag++) {
    const n = Math.min(a.length, b.length - lag);
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i] as number;
      const y = b[i + lag] as number;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    if (r > best.r) best = { lag, r };
  }
  return best;
}

export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let power = 0;
  for (let i = from; i < to; i++) power += (samples[i] as number) ** 2;
  return to > from ? Math.sqrt(power / (to - from)) : 0;
}
