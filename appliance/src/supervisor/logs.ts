import { PassThrough, type Readable } from 'node:stream';
import type { LogLine } from './reports.ts';

export type { LogLine } from './reports.ts';

/**
 * Splits the engine's multiplexed log format (8-byte header: stream, 3 zero bytes, big-endian length)
 * into lines. Incomplete frames are kept until more bytes arrive.
 */
export class LogDemuxer {
  private buffer = Buffer.alloc(0);
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(
    private readonly service: string,
    private readonly emit: (line: LogLine) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8) {
      const kind = this.buffer[0];
      const length = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + length) break;
      const payload = this.buffer.subarray(8, 8 + length).toString('utf8');
      this.buffer = this.buffer.subarray(8 + length);
      const stream = kind === 2 ? 'stderr' : 'stdout';
      const text = this.partial[stream] + payload;
      const lines = text.split('\n');
      this.partial[stream] = lines.pop() ?? '';
      for (const line of lines) this.emit({ service: this.service, stream, text: line });
    }
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.emit({ service: this.service, stream, text: this.partial[stream] });
      this.partial[stream] = '';
    }
  }
}

export function demuxAll(service: string, data: Buffer): LogLine[] {
  const lines: LogLine[] = [];
  const demuxer = new LogDemuxer(service, (l) => lines.push(l));
  demuxer.push(data);
  demuxer.end();
  return lines;
}

/** Follows a multiplexed log stream as an async iterable of lines; `stop()` ends it. */
export function followLines(
  service: string,
  stream: Readable,
): { lines: AsyncIterable<LogLine>; stop(): void; dispose(): void } {
  const out = new PassThrough({ objectMode: true });
  const demuxer = new LogDemuxer(service, (line) => out.write(line));
  stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
  stream.on('end', () => {
    demuxer.end();
    out.end();
  });
  stream.on('error', (error) => out.destroy(error));
  return {
    lines: out as AsyncIterable<LogLine>,
    stop() {
      stream.destroy();
      demuxer.end();
      out.end();
    },
    /** The same as stop(), for callers that keep Disposables. */
    dispose() {
      this.stop();
    },
  };
}
