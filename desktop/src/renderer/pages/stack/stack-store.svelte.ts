/**
 * What the Stack pages know, kept current by main's pushes (`stack:events`): the status (re-read by
 * main on every engine event, so a crash shows at once — no polling here), CPU/memory samples, and
 * the progress events of the operation in hand. Log lines go to their viewer directly.
 */
import type { LogLine, ServiceStats, StackEvent, StackPush, StackStatus } from '../../../shared/stack-ipc.ts';
import { call, stackBridge } from './stack-bridge.ts';

export interface ProgressEntry {
  event: StackEvent;
  at: number;
  operation?: string;
}

export const stackState = $state<{
  status: StackStatus | undefined;
  stats: Record<string, ServiceStats>;
  /** Progress events since the last `clearProgress()` (the install and upgrade views). */
  progress: ProgressEntry[];
  /** The latest operation's id → its state. */
  operations: Record<string, { name: string; state: string; error?: string }>;
  /** When the last status push arrived (performance.now(): the benchmark's clock). */
  statusSeenAt: number;
  error: string | undefined;
}>({ status: undefined, stats: {}, progress: [], operations: {}, statusSeenAt: 0, error: undefined });

const logListeners = new Map<string, (lines: LogLine[], ended: boolean) => void>();
let subscribed = false;

function onPush(push: StackPush): void {
  switch (push.kind) {
    case 'status':
      stackState.status = push.status;
      stackState.statusSeenAt = performance.now();
      break;
    case 'stats':
      stackState.stats = Object.fromEntries(push.stats.map((s) => [s.service, s]));
      break;
    case 'event':
      if (push.event.type !== 'watch')
        stackState.progress.push({ event: push.event, at: push.at, operation: push.operation });
      break;
    case 'operation':
      stackState.operations[push.id] = { name: push.name, state: push.state, error: push.error };
      break;
    case 'log':
      logListeners.get(push.followId)?.(push.lines, push.ended === true);
      break;
  }
}

/** Subscribes once and reads the status; later calls only re-read it. */
export async function startStack(): Promise<void> {
  const bridge = stackBridge();
  if (!bridge) {
    stackState.error =
      'The Stack pages need the desktop app: the web console cannot install or supervise its own stack.';
    return;
  }
  if (!subscribed) {
    subscribed = true;
    bridge['stack:events'](onPush);
  }
  try {
    stackState.status = await call('stack:status');
    stackState.error = undefined;
  } catch (error) {
    stackState.error = (error as Error).message;
  }
}

export function clearProgress(): void {
  stackState.progress = [];
}

export function onLogLines(followId: string, listener: (lines: LogLine[], ended: boolean) => void): () => void {
  logListeners.set(followId, listener);
  return () => logListeners.delete(followId);
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}
