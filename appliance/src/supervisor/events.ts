/** What the supervisor reports while it works; the CLI draws progress from these, the console too. */
export type ServicePhase =
  | 'waiting'
  | 'creating'
  | 'starting'
  | 'health-wait'
  | 'healthy'
  | 'running'
  | 'completed'
  | 'unchanged'
  | 'failed'
  | 'skipped'
  | 'stopping'
  | 'stopped'
  | 'removed'
  | 'restarting'
  | 'upgrading'
  | 'upgraded'
  | 'rolled-back';

export type StackEvent =
  | { type: 'network'; name: string; action: 'created' | 'exists' | 'removed' }
  | { type: 'volume'; name: string; action: 'created' | 'exists' | 'removed' }
  | { type: 'image'; image: string; action: 'present' | 'pulling' | 'pulled' | 'loading' | 'loaded' | 'missing' }
  | { type: 'pull-progress'; image: string; layer: string; status: string; current?: number; total?: number }
  | { type: 'service'; service: string; phase: ServicePhase; detail?: string; elapsedMs?: number }
  | {
      type: 'watch';
      service: string;
      event: 'crashed' | 'health' | 'restarted' | 'started' | 'stopped';
      detail?: string;
      exitCode?: number;
      health?: string;
    };

export type EventSink = (event: StackEvent) => void;

/** Something that can be stopped (a follow stream, a watch loop). */
export interface Disposable {
  dispose(): Promise<void> | void;
}
