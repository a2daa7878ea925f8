/**
 * A Parakeet `vocab.txt` (one `<piece> <id>` per line, SentencePiece pieces with `▁` marking the
 * start of a word, `<blk>` the blank) and the text and word timings of decoded tokens.
 */

export const WORD_MARK = '\u2581';
/** Parakeet's encoder subsamples 10 ms feature frames by 8. */
export const SECONDS_PER_ENCODER_FRAME = 0.08;

export interface Word {
  word: string;
  start: number;
  end: number;
}

export interface DecodedToken {
  id: number;
  /** Encoder frame the token was emitted at. */
  frame: number;
  /** Frames the joint said the token lasts (TDT duration head). */
  duration: number;
}

const PUNCTUATION_ONLY = /^[\p{P}\p{S}]+$/u;

export class Vocabulary {
  readonly pieces: string[];
  readonly blank: number;

  private constructor(pieces: string[], blank: number) {
    this.pieces = pieces;
    this.blank = blank;
  }

  /** From pieces already checked by `parse` (what the inference worker reports). */
  static fromPieces(pieces: string[]): Vocabulary {
    return new Vocabulary(pieces, pieces.indexOf('<blk>'));
  }

  static parse(text: string, source = 'vocab.txt'): Vocabulary {
    const pieces: string[] = [];
    const lines = text.split(/\r?\n/);
    lines.forEach((line, index) => {
      if (!line.trim()) return;
      const space = line.lastIndexOf(' ');
      const id = Number(line.slice(space + 1));
      if (space <= 0 || !Number.isInteger(id) || id < 0 || id > 1_000_000) {
        throw new Error(`${source} line ${index + 1} is not "<piece> <id>": ${JSON.stringify(line.slice(0, 80))}`);
      }
      if (pieces[id] !== undefined) throw new Error(`${source} line ${index + 1}: id ${id} appears twice`);
      pieces[id] = line.slice(0, space);
    });
    if (pieces.length === 0) throw new Error(`${source} is empty`);
    for (let id = 0; id < pieces.length; id++) {
      if (pieces[id] === undefined) throw new Error(`${source}: id ${id} is missing`);
    }
    const blank = pieces.indexOf('<blk>');
    if (blank < 0) throw new Error(`${source} has no <blk> token`);
    return new Vocabulary(pieces, blank);
  }

  /** Ids including the blank: the width of the joint's token head. */
  get size(): number {
    return this.pieces.length;
  }

  /**
   * Text and word timings: a piece starting with `▁` starts a word; control pieces (`<unk>`,
   * `<|en|>`…) are dropped; punctuation that stands alone joins the word before it. A word runs
   * from its first token's frame to its last token's frame plus that token's duration (at least one
   * frame), capped at the audio's end.
   */
  decode(tokens: readonly DecodedToken[], audioSeconds: number): { text: string; words: Word[] } {
    const words: Array<{ text: string; first: number; last: DecodedToken }> = [];
    for (const token of tokens) {
      const piece = this.pieces[token.id];
      if (piece === undefined || (piece.startsWith('<') && piece.endsWith('>'))) continue;
      const startsWord = piece.startsWith(WORD_MARK);
      const text = startsWord ? piece.slice(1) : piece;
      if (!text) continue;
      const current = words.at(-1);
      if (current && (!startsWord || PUNCTUATION_ONLY.test(text))) {
        current.text += text;
        current.last = token;
      } else {
        words.push({ text, first: token.frame, last: token });
      }
    }
    const seconds = (frame: number) =>
      Math.min(audioSeconds, Math.round(frame * SECONDS_PER_ENCODER_FRAME * 1000) / 1000);
    const timed = words.map((w) => ({
      word: w.text,
      start: seconds(w.first),
      end: seconds(w.last.frame + Math.max(1, w.last.duration)),
    }));
    return { text: timed.map((w) => w.word).join(' '), words: timed };
  }
}
