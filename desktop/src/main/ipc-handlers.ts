import type { IpcMainInvokeEvent } from 'electron';
import type { IpcChannel, IpcContract, IpcResult } from '../shared/ipc.ts';

export type IpcHandler<C extends IpcChannel> = (
  ...args: IpcContract[C]['args']
) => Promise<IpcContract[C]['result']> | IpcContract[C]['result'];

export interface IpcRegistrar {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
}

/** A thrown error becomes `{error}`: the renderer always gets an answer it can show, never a rejected invoke. */
export class IpcRefusal extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Registers one handler through the single wrapper every channel uses: the sender must be a frame
 * of the app itself (`isTrustedSender`), and the handler's answer or failure becomes `{result}` or
 * `{error}`.
 */
export function handle<C extends IpcChannel>(
  ipc: IpcRegistrar,
  channel: C,
  handler: IpcHandler<C>,
  isTrustedSender: (senderUrl: string) => boolean,
): void {
  ipc.handle(channel, async (event, ...args): Promise<IpcResult<IpcContract[C]['result']>> => {
    const senderUrl = event.senderFrame?.url ?? '';
    if (!isTrustedSender(senderUrl)) {
      return { error: { message: `${channel} refused: the sender is not the console`, code: 'untrusted_sender' } };
    }
    try {
      return { result: await handler(...(args as IpcContract[C]['args'])) };
    } catch (error) {
      return {
        error: {
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof IpcRefusal ? { code: error.code } : {}),
        },
      };
    }
  });
}
