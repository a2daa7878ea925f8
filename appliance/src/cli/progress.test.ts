import { describe, expect, it } from 'vitest';
import type { StackEvent } from '../supervisor/events.ts';
import { ProgressPrinter } from './progress.ts';

const ESC = String.fromCharCode(27);

/** Just enough of a terminal to read the screen: newlines, \\r, cursor up/down, erase to end of line. */
function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const csi = output[i] === ESC ? output.slice(i + 1).match(/^\[(\d*)([ABK])/) : null;
    if (csi) {
      const n = Number(csi[1] || 1);
      if (csi[2] === 'A') row -= n;
      if (csi[2] === 'B') row += n;
      if (csi[2] === 'K') lines[row] = lines[row]!.slice(0, col);
      while (lines.length <= row) lines.push('');
      i += csi[0].length;
      continue;
    }
    const char = output[i]!;
    if (char === '\n') {
      row++;
      col = 0;
      while (lines.length <= row) lines.push('');
    } else if (char === '\r') col = 0;
    else {
      const line = lines[row]!.padEnd(col);
      lines[row] = line.slice(0, col) + char + line.slice(col + 1);
      col++;
    }
  }
  return lines.filter((l) => l !== '');
}

const progress = (image: string, layer: string, current: number, total: number): StackEvent => ({
  type: 'pull-progress',
  image,
  layer,
  status: 'Downloading',
  current,
  total,
});

describe('ProgressPrinter on a terminal', () => {
  it('draws one line per image for parallel pulls, each redrawn in place', () => {
    let out = '';
    const printer = new ProgressPrinter({ write: (t) => (out += t), writeErr: () => {}, isTTY: true }, false);
    printer.handle(progress('postgres:16', 'a', 10, 100));
    printer.handle(progress('redis:7', 'b', 50, 100));
    printer.handle(progress('postgres:16', 'a', 100, 100));
    printer.handle(progress('redis:7', 'b', 75, 100));
    const lines = screen(out);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/pulling postgres:16 \[#+\] 100% 1 layers$/);
    expect(lines[1]).toMatch(/pulling redis:7 \[#+ +\] {2}75% 1 layers$/);
    // A milestone after the bars goes below them.
    printer.handle({ type: 'image', image: 'redis:7', action: 'pulled' });
    expect(screen(out).at(-1)).toBe('  pulled redis:7');
  });
});

describe('ProgressPrinter: the watcher', () => {
  it('prints what the watcher did, with why it gave up', () => {
    let out = '';
    const printer = new ProgressPrinter({ write: (t) => (out += t), writeErr: () => {}, isTTY: false }, false);
    printer.handle({ type: 'watch', service: 'api', event: 'crashed', exitCode: 137 });
    printer.handle({ type: 'watch', service: 'api', event: 'gave-up', detail: 'restarted 3 times in 10 min' });
    expect(out).toBe('  ! api crashed (exit 137)\n  ! api gave-up: restarted 3 times in 10 min\n');
  });
});
