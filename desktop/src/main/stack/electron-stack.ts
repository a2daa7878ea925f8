/**
 * Electron's side of the Stack: the `StackHost` for this machine's engine, its pushes sent to the
 * window, the secret store (keytar when it loads, else Electron `safeStorage`, else the 0600 file),
 * and the tray/menu item showing the stack's overall health.
 */
import { join } from 'node:path';
import { chooseSecretStore, defaultStateDir } from '@speaknode/appliance';
import {
  type BrowserWindow,
  dialog,
  Menu,
  type NativeImage,
  nativeImage,
  type OpenDialogOptions,
  safeStorage,
  Tray,
} from 'electron';
import { overallHealth } from '../../shared/stack-health.ts';
import { STACK_EVENTS_CHANNEL } from '../../shared/stack-ipc.ts';
import type { IpcRegistrar } from '../ipc-handlers.ts';
import { SafeStorageSecretStore } from './safe-storage-secret-store.ts';
import { registerStackHandlers, StackPushHub } from './stack-handlers.ts';
import { type SecretStoreChoice, StackHost } from './stack-host.ts';

/** A 16×16 dot per health level, drawn here (no image files to ship). */
function dot(rgb: [number, number, number]): NativeImage {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 36;
      const i = (y * size + x) * 4;
      // BGRA
      pixels[i] = rgb[2];
      pixels[i + 1] = rgb[1];
      pixels[i + 2] = rgb[0];
      pixels[i + 3] = inside ? 255 : 0;
    }
  }
  return nativeImage.createFromBitmap(pixels, { width: size, height: size });
}

export async function chooseConsoleSecretStore(stateDir: string): Promise<SecretStoreChoice> {
  try {
    const chosen = await chooseSecretStore(stateDir, 'keychain');
    return { ...chosen, label: 'keychain', reason: 'keytar loaded: the OS keychain' };
  } catch (error) {
    if (safeStorage.isEncryptionAvailable()) {
      return {
        store: new SafeStorageSecretStore(join(stateDir, 'secrets.safe'), safeStorage),
        label: 'safe-storage',
        reason: `${(error as Error).message.replace(/^--secret-store keychain: /, '')}; using Electron safeStorage`,
      };
    }
    const file = await chooseSecretStore(stateDir, 'file');
    return { ...file, label: 'file', reason: 'neither keytar nor Electron safeStorage is usable here; a 0600 file' };
  }
}

export function startStackSupervision(deps: {
  ipc: IpcRegistrar;
  isTrustedSender: (url: string) => boolean;
  window: () => BrowserWindow | undefined;
  openStackPage: () => void;
}): { host: StackHost; dispose(): void } {
  const hub = new StackPushHub();
  const host = new StackHost({
    stateDir: defaultStateDir(process.env),
    push: hub.push,
    secretStore: chooseConsoleSecretStore,
  });
  registerStackHandlers(deps.ipc, host, deps.isTrustedSender, {
    chooseBundle: async () => {
      const options: OpenDialogOptions = {
        title: 'Choose the offline bundle',
        buttonLabel: 'Choose',
        properties: ['openFile'],
        filters: [{ name: 'Speaknode bundle (tarball or its manifest)', extensions: ['tar', 'json'] }],
      };
      const parent = deps.window();
      const answer = await (parent ? dialog.showOpenDialog(parent, options) : dialog.showOpenDialog(options));
      return answer.canceled ? undefined : answer.filePaths[0];
    },
  });
  hub.subscribe((push) => {
    const contents = deps.window()?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(STACK_EVENTS_CHANNEL, push);
  });

  const icons = {
    healthy: dot([22, 163, 74]),
    degraded: dot([245, 158, 11]),
    down: dot([220, 38, 38]),
    unknown: dot([148, 163, 184]),
  };
  const tray = new Tray(icons.unknown);
  let lastLabel = '';
  const showHealth = () => {
    const health = overallHealth(hub.last);
    if (health.label === lastLabel) return;
    lastLabel = health.label;
    tray.setImage(icons[health.level]);
    tray.setToolTip(health.label);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: health.label, enabled: false },
        { type: 'separator' },
        { label: 'Open the Stack dashboard', click: deps.openStackPage },
      ]),
    );
  };
  showHealth();
  hub.subscribe((push) => {
    if (push.kind === 'status') showHealth();
  });
  void host.connect().catch(() => {});
  return {
    host,
    dispose: () => {
      host.dispose();
      tray.destroy();
    },
  };
}
