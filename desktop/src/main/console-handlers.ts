import type { AppInfo } from '../shared/ipc.ts';
import { handle, IpcRefusal, type IpcRegistrar } from './ipc-handlers.ts';
import { LoopbackRedirect } from './loopback-redirect.ts';
import { isAppUrl } from './security.ts';

export interface ConsoleHandlerDeps {
  ipc: IpcRegistrar;
  info: () => AppInfo;
  /** Opens a URL in the system browser (`shell.openExternal`). */
  openExternal: (url: string) => Promise<void>;
  loopbackTimeoutMs?: number;
}

/**
 * The main process's IPC surface: app info and the desktop sign-in's browser round trip. The
 * authorization URL must be on the control site the console supervises (its embedded issuer) or
 * an https issuer, so a compromised renderer cannot make main open arbitrary local URLs.
 */
export function registerConsoleHandlers(deps: ConsoleHandlerDeps): { dispose(): void } {
  let pending: LoopbackRedirect | undefined;
  handle(deps.ipc, 'app:info', () => deps.info(), isAppUrl);
  handle(
    deps.ipc,
    'auth:prepareLoopback',
    async () => {
      pending?.close();
      pending = await LoopbackRedirect.start(deps.loopbackTimeoutMs);
      return { redirectUri: pending.redirectUri };
    },
    isAppUrl,
  );
  handle(
    deps.ipc,
    'auth:authorize',
    async (authorizationUrl) => {
      const loopback = pending;
      if (!loopback) throw new IpcRefusal('call auth:prepareLoopback first', 'no_loopback');
      let url: URL;
      try {
        url = new URL(String(authorizationUrl));
      } catch {
        throw new IpcRefusal('the authorization URL is not a URL', 'bad_url');
      }
      const control = new URL(deps.info().controlUrl);
      if (url.protocol !== 'https:' && url.origin !== control.origin) {
        throw new IpcRefusal(`refusing to open ${url.origin}: not https and not the control site`, 'bad_url');
      }
      if (url.searchParams.get('redirect_uri') !== loopback.redirectUri) {
        throw new IpcRefusal('the authorization URL must redirect to the loopback listener', 'bad_url');
      }
      await deps.openExternal(url.href);
      try {
        return { callbackUrl: await loopback.waitForCallback() };
      } finally {
        loopback.close();
        if (pending === loopback) pending = undefined;
      }
    },
    isAppUrl,
  );
  return { dispose: () => pending?.close() };
}
