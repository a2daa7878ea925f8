import { STACK_EVENTS_CHANNEL, type StackPush, type StackStatus } from '../../shared/stack-ipc.ts';
import { handle, IpcRefusal, type IpcRegistrar } from '../ipc-handlers.ts';
import type { StackHost } from './stack-host.ts';

/**
 * The `stack:*` channels, each through the shell's one `handle()` wrapper (trusted sender,
 * `{result} | {error}`), all answered by the one `StackHost`. Electron main and the WebSocket test
 * transport both register through here.
 */
export function registerStackHandlers(
  ipc: IpcRegistrar,
  host: StackHost,
  isTrustedSender: (senderUrl: string) => boolean,
  options: {
    /** Asks the person for a bundle file (Electron: `dialog.showOpenDialog`); undefined when they cancel. */
    chooseBundle?: () => Promise<string | undefined>;
  } = {},
): void {
  const on = <C extends Parameters<typeof handle>[1]>(channel: C, handler: Parameters<typeof handle<C>>[2]) =>
    handle(ipc, channel, handler, isTrustedSender);
  on('stack:connect', (address) => host.connect(String(address)));
  on('stack:doctor', () => host.doctor());
  on('stack:settings', () => host.settings());
  on('stack:init', (request) => host.init(request));
  on('stack:up', (options) => host.up(options ?? {}));
  on('stack:status', () => host.status());
  on('stack:logs', (service, tail) => host.logs(service, tail));
  on('stack:logs:follow', (service, tail) => host.followLogs(service, tail));
  on('stack:logs:stop', (followId) => host.stopLogs(followId));
  on('stack:restart', (service) => host.restart(service));
  on('stack:upgrade:plan', () => host.upgradePlan());
  on('stack:upgrade', (options) => host.upgrade(options ?? {}));
  on('stack:down', (options) => host.down(options));
  on('stack:bundle:choose', async () => {
    if (!options.chooseBundle) {
      throw new IpcRefusal('there is no file chooser here: type the bundle file’s path', 'no_file_chooser');
    }
    const path = await options.chooseBundle();
    return path ? { path } : {};
  });
  on('stack:bundle:verify', (path) => host.verifyBundle(path));
  on('stack:bundle:load', (path) => host.loadBundle(path));
  on('stack:cancel', (operationId) => host.cancel(operationId));
}

/** Fans `StackPush` messages out to every subscriber (the window, the tray, a test transport's sockets). */
export class StackPushHub {
  private readonly listeners = new Set<(push: StackPush) => void>();
  last: StackStatus | undefined;

  readonly push = (message: StackPush): void => {
    if (message.kind === 'status') this.last = message.status;
    for (const listener of this.listeners) listener(message);
  };

  subscribe(listener: (push: StackPush) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export { STACK_EVENTS_CHANNEL };
