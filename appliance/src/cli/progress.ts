import type { StackEvent } from '../supervisor/events.ts';

export interface Output {
  /** Raw text to stdout (no newline added). */
  write: (text: string) => void;
  /** Raw text to stderr. */
  writeErr: (text: string) => void;
  isTTY: boolean;
}

const MARK: Record<string, string> = {
  healthy: '✓',
  running: '✓',
  completed: '✓',
  unchanged: '=',
  upgraded: '↑',
  failed: '✗',
  skipped: '-',
  'rolled-back': '↺',
  removed: '×',
};

/**
 * Draws supervisor events: one line per service milestone, and per image a progress bar of its
 * layers' bytes (on a terminal one line per image, redrawn in place; every 10% otherwise). With --json each event is one
 * JSON line instead.
 */
export class ProgressPrinter {
  private readonly layers = new Map<string, Map<string, { current: number; total: number }>>();
  private readonly lastPercent = new Map<string, number>();
  /** On a terminal: the images whose bars are the last lines printed, in order (one line each). */
  private bars: string[] = [];
  private total = 0;
  private readonly settled = new Set<string>();

  /** With the number of services, milestones carry a `[done/total]` count. */
  expect(total: number): void {
    this.total = total;
    this.settled.clear();
  }

  constructor(
    private readonly output: Output,
    private readonly json: boolean,
  ) {}

  handle = (event: StackEvent): void => {
    if (this.json) {
      this.line(JSON.stringify({ event }));
      return;
    }
    if (event.type === 'pull-progress') {
      this.pull(event);
      return;
    }
    this.closeBar();
    switch (event.type) {
      case 'service': {
        if (['waiting', 'creating', 'stopping'].includes(event.phase)) return;
        const mark = MARK[event.phase] ?? '…';
        if (['healthy', 'running', 'completed', 'unchanged', 'failed', 'skipped'].includes(event.phase)) {
          this.settled.add(event.service);
        }
        const count = this.total > 0 ? `[${this.settled.size}/${this.total}] ` : '';
        const time = event.elapsedMs !== undefined ? ` (${(event.elapsedMs / 1000).toFixed(1)} s)` : '';
        const detail = event.detail ? `: ${event.detail}` : '';
        this.line(`  ${count}${mark} ${event.service.padEnd(16)} ${event.phase}${time}${detail}`);
        return;
      }
      case 'image':
        if (event.action !== 'present') this.line(`  ${event.action} ${event.image}`);
        return;
      case 'image-build':
        this.line(`  ${event.image} ${event.step === 'step' ? '' : `${event.step} `}${event.detail ?? ''}`);
        return;
      case 'network':
      case 'volume':
        if (event.action !== 'exists') this.line(`  ${event.type} ${event.name} ${event.action}`);
        return;
      case 'watch':
        this.line(
          `  ! ${event.service} ${event.event}${event.exitCode !== undefined ? ` (exit ${event.exitCode})` : ''}${event.health ? ` ${event.health}` : ''}${event.detail ? `: ${event.detail}` : ''}`,
        );
    }
  };

  private line(text: string) {
    this.output.write(`${text}\n`);
  }

  private pull(event: Extract<StackEvent, { type: 'pull-progress' }>) {
    const layers = this.layers.get(event.image) ?? new Map();
    this.layers.set(event.image, layers);
    if (event.total) layers.set(event.layer, { current: event.current ?? 0, total: event.total });
    else if (/complete|already exists/i.test(event.status)) {
      const known = layers.get(event.layer);
      if (known) known.current = known.total;
    }
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      current += l.current;
      total += l.total;
    }
    const percent = total > 0 ? Math.floor((current / total) * 100) : 0;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const line = `  pulling ${event.image} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(percent).padStart(3)}% ${layers.size} layers`;
    if (this.output.isTTY) {
      // One line per image, redrawn in place: parallel pulls never share a line.
      const index = this.bars.indexOf(event.image);
      if (index < 0) {
        this.bars.push(event.image);
        this.output.write(`${line}\n`);
      } else {
        const up = this.bars.length - index;
        this.output.write(`\u001b[${up}A\r${line}\u001b[K\u001b[${up}B\r`);
      }
    } else if (percent >= (this.lastPercent.get(event.image) ?? -10) + 10) {
      this.lastPercent.set(event.image, percent);
      this.line(line);
    }
  }

  /** Other output follows: the bars above stay as they are, new ones start below. */
  private closeBar() {
    this.bars = [];
  }
}
