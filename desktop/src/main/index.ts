/**
 * Electron main: one window, a menu, single instance, `speaknode://` deep links, the app:// scheme
 * that serves the renderer, and the IPC handlers. Thin on purpose: the console's logic lives in
 * the renderer, which is the same app control serves at /console/.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, protocol, session, shell } from 'electron';
import { APP_ORIGIN, APP_SCHEME } from '../shared/ipc.ts';
import { appFileFor, deepLinkTarget, withAppCors } from './app-protocol.ts';
import { registerRefreshTokenHandlers } from './auth/refresh-token-handlers.ts';
import { registerConsoleHandlers } from './console-handlers.ts';
import { contentSecurityPolicy, hardenWebContents, isAppUrl, secureWebPreferences } from './security.ts';
import { chooseConsoleSecretStore, startStackSupervision } from './stack/electron-stack.ts';

const controlUrl = (process.env.SPEAKNODE_CONTROL_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
const preload = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  const openDeepLink = (url: string | undefined) => {
    // speaknode://agents/<id> → the renderer's #/agents/<id>
    const target = deepLinkTarget(url);
    if (target && window) void window.loadURL(target);
  };
  app.setAsDefaultProtocolClient('speaknode');
  app.on('second-instance', (_event, argv) => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
    openDeepLink(argv.find((a) => a.startsWith('speaknode://')));
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    openDeepLink(url);
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, (url) => shell.openExternal(url)));

  app.whenReady().then(() => {
    // Control says whether it has LiveKit (voice tests); the renderer's CSP then lets the page reach it.
    const livekitUrl = fetch(`${controlUrl}/console/config.json`, { signal: AbortSignal.timeout(5_000) })
      .then(async (answer) => ((await answer.json()) as { livekitUrl?: string | null }).livekitUrl ?? null)
      .catch(() => null);
    protocol.handle(APP_SCHEME, async (request) => {
      const target = appFileFor(request.url, rendererDir);
      if (!target) return new Response('not found', { status: 404 });
      try {
        return new Response(await readFile(target.file), {
          headers: {
            'content-type': target.contentType,
            'content-security-policy': contentSecurityPolicy(controlUrl, await livekitUrl),
          },
        });
      } catch {
        return new Response('not found', { status: 404 });
      }
    });
    // The renderer (app://console) calls control cross-origin; control does not answer CORS, so
    // main lets exactly that origin read control's answers.
    session.defaultSession.webRequest.onHeadersReceived({ urls: [`${controlUrl}/*`] }, (details, callback) =>
      callback(withAppCors(details)),
    );
    registerConsoleHandlers({
      ipc: ipcMain,
      info: () => ({ version: app.getVersion(), controlUrl, platform: process.platform }),
      openExternal: (url) => shell.openExternal(url),
    });
    // The sign-in's refresh token: keychain or safeStorage, in its own place (not the stack's secrets).
    registerRefreshTokenHandlers({
      ipc: ipcMain,
      isTrustedSender: isAppUrl,
      controlUrl,
      chooseStore: () => chooseConsoleSecretStore(join(app.getPath('userData'), 'console-sign-in')),
    });
    const stack = startStackSupervision({
      ipc: ipcMain,
      isTrustedSender: isAppUrl,
      window: () => window,
      openStackPage: () => {
        window?.show();
        void window?.loadURL(`${APP_ORIGIN}/index.html#/stack`);
      },
    });
    app.on('before-quit', () => stack.dispose());
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        [
          { role: 'appMenu' as const },
          { role: 'editMenu' as const },
          { role: 'viewMenu' as const },
          { role: 'windowMenu' as const },
        ].filter((item) => item.role !== 'appMenu' || process.platform === 'darwin'),
      ),
    );
    window = new BrowserWindow({
      width: 1280,
      height: 800,
      minWidth: 1024,
      minHeight: 640,
      title: 'Speaknode',
      show: false,
      webPreferences: secureWebPreferences(preload),
    });
    window.once('ready-to-show', () => window?.show());
    void window.loadURL(`${APP_ORIGIN}/index.html`);
    openDeepLink(process.argv.find((a) => a.startsWith('speaknode://')));
  });
  app.on('window-all-closed', () => app.quit());
}
