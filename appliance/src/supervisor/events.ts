import type { StackEvent } from '@speaknode/contracts';

/** The progress events are defined in contracts (they cross the console's IPC boundary). */
export type { ServicePhase, StackEvent } from '@speaknode/contracts';

export type EventSink = (event: StackEvent) => void;

/** Something that can be stopped (a follow stream, a watch loop). */
export interface Disposable {
  dispose(): Promise<void> | void;
}
