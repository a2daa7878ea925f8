/**
 * Text to IPA phonemes with Debian's espeak-ng, run as a process per sentence (text on stdin, so
 * nothing in it can be read as an option). A process rather than a library binding: the only npm
 * bindings are native add-ons (no prebuilt binaries reachable here, a C toolchain at install) or
 * an Emscripten build with its own copy of the voice data; the process keeps espeak-ng (GPL-3)
 * out of our address space, a crash in it out of the service, and uses the distribution's data.
 * It costs a few milliseconds per sentence, well under a sentence's synthesis time.
 *
 * The espeak-ng command line writes one clause per line and drops punctuation; Piper's own
 * phonemiser keeps each clause's terminator, so the clauses are joined with ", " and the
 * sentence's final . ? ! is put back, which is what the voices were trained on.
 */
import { spawn } from 'node:child_process';

export class PhonemizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhonemizerError';
  }
}

const LANGUAGE_SWITCH = /\([a-z]{2,3}(-[a-z0-9]+)?\)/gi;
const TERMINATOR = /([.?!])["'”’)\]]*\s*$/u;

export interface PhonemizerOptions {
  command?: string;
  timeoutMs?: number;
}

export class EspeakPhonemizer {
  private readonly command: string;
  private readonly timeoutMs: number;

  constructor(options: PhonemizerOptions = {}) {
    this.command = options.command ?? 'espeak-ng';
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Phonemes of one sentence, as Piper's phoneme_id_map keys (one per code point). */
  phonemize(sentence: string, voice: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, ['-q', '--ipa', '-b', '1', '-v', voice], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new PhonemizerError(`espeak-ng did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(
          new PhonemizerError(`espeak-ng could not be started (${error.message}); install Debian's espeak-ng package`),
        );
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code !== 0) {
          reject(
            new PhonemizerError(
              `espeak-ng exited with ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 200)}`,
            ),
          );
          return;
        }
        const clauses = Buffer.concat(out)
          .toString('utf8')
          .replace(LANGUAGE_SWITCH, '')
          .split('\n')
          .map((line) => line.trim().replace(/\s+/g, ' '))
          .filter(Boolean);
        const terminator = TERMINATOR.exec(sentence.trim())?.[1] ?? '.';
        resolve(clauses.length ? `${clauses.join(', ')}${terminator}` : '');
      });
      child.stdin.on('error', () => {});
      child.stdin.end(sentence.replace(/\s+/g, ' '));
    });
  }
}

/** Sentences as the language's rules cut them (Intl.Segmenter), blank ones dropped. */
export function splitSentences(text: string, language = 'en'): string[] {
  let segmenter: Intl.Segmenter;
  try {
    segmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
  } catch {
    segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
  }
  return Array.from(segmenter.segment(text), (s) => s.segment.trim()).filter((s) => /[\p{L}\p{N}]/u.test(s));
}
