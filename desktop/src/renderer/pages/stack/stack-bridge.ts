/**
 * How the Stack pages reach main: the preload's `window.speaknode` in Electron, or — in a browser
 * driven by the tests — the same typed API over a WebSocket (`?stack-ws=ws://…`), served by a Node
 * process that runs the real main-process handlers (see e2e/stack-transport.ts).
 */
import type { IpcResult } from '../../../shared/ipc.ts';
import { STACK_CHANNELS, type StackContract, type StackPush } from '../../../shared/stack-ipc.ts';
import { desktopBridge } from '../../lib/platform.ts';

type Channel = keyof StackContract;

export type StackBridge = {
  [C in Channel]: (...args: StackContract[C]['args']) => Promise<IpcResult<StackContract[C]['result']>>;
} & { 'stack:events': (listener: (push: StackPush) => void) => () => void };

/** A bridge over a WebSocket: `{id, channel, args}` out, `{id, answer}` and `{push}` back. */
export function webSocketBridge(url: string): StackBridge {
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let nextId = 1;
  const waiting = new Map<number, (answer: IpcResult<unknown>) => void>();
  const listeners = new Set<(push: StackPush) => void>();
  const open = (): Promise<WebSocket> => {
    opened ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error(`cannot reach the stack transport at ${url}`));
      ws.onclose = () => {
        opened = undefined;
        socket = undefined;
        for (const [id, done] of waiting) {
          done({ error: { message: 'the connection to main was lost: reload the page', code: 'disconnected' } });
          waiting.delete(id);
        }
      };
      ws.onmessage = (message) => {
        const data = JSON.parse(String(message.data)) as { id?: number; answer?: IpcResult<unknown>; push?: StackPush };
        if (data.push) for (const listener of listeners) listener(data.push);
        else if (data.id !== undefined && data.answer) {
          waiting.get(data.id)?.(data.answer);
          waiting.delete(data.id);
        }
      };
    });
    return opened;
  };
  const call = async (channel: Channel, args: unknown[]): Promise<IpcResult<unknown>> => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await open());
    } catch (error) {
      return { error: { message: (error as Error).message, code: 'disconnected' } };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, channel, args }));
    });
  };
  return {
    ...Object.fromEntries(STACK_CHANNELS.map((channel) => [channel, (...args: unknown[]) => call(channel, args)])),
    'stack:events': (listener: (push: StackPush) => void) => {
      listeners.add(listener);
      void open().catch(() => {});
      return () => {
        listeners.delete(listener);
      };
    },
  } as unknown as StackBridge;
}

let chosen: StackBridge | undefined | null = null;

/** The bridge, or undefined in the plain web app (control serves no Stack API: it is part of the stack). */
export function stackBridge(): StackBridge | undefined {
  if (chosen !== null) return chosen;
  const desktop = desktopBridge() as unknown as StackBridge | undefined;
  const ws = new URLSearchParams(globalThis.location?.search ?? '').get('stack-ws');
  chosen = desktop ?? (ws ? webSocketBridge(ws) : undefined);
  return chosen;
}

export class StackCallError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Calls a channel and unwraps `{result}`; `{error}` becomes a `StackCallError` with its code. */
export async function call<C extends Channel>(
  channel: C,
  ...args: StackContract[C]['args']
): Promise<StackContract[C]['result']> {
  const bridge = stackBridge();
  if (!bridge)
    throw new StackCallError(
      'the Stack pages need the desktop app: the web console cannot manage its own stack',
      'no_bridge',
    );
  const fn = bridge[channel] as (...a: unknown[]) => Promise<IpcResult<StackContract[C]['result']>>;
  const answer = await fn(...args);
  if ('error' in answer) throw new StackCallError(answer.error.message, answer.error.code);
  return answer.result;
}
