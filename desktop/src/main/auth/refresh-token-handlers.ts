/**
 * The desktop sign-in's refresh token, kept by main in a secret store (the OS keychain through keytar,
 * else Electron safeStorage: `chooseConsoleSecretStore`, the same choice the Stack pages make) so the
 * console stays signed in across restarts. The renderer reaches it only through `auth:restore`,
 * `auth:remember` and `auth:forget`, from the app's own frames. A store that would be a plain file
 * is not used: the sign-in then lasts the window only (a refresh token in a 0600 file is what the
 * keychain is for).
 */
import { createHash } from 'node:crypto';
import type { SecretStore } from '@speaknode/appliance';
import type { RememberedSignIn } from '../../shared/ipc.ts';
import { handle, IpcRefusal, type IpcRegistrar } from '../ipc-handlers.ts';

export interface TokenStoreChoice {
  store: SecretStore;
  /** `keychain` and `safe-storage` are used; `file` is not. */
  label: 'keychain' | 'safe-storage' | 'file';
  reason: string;
}

export interface RefreshTokenDeps {
  ipc: IpcRegistrar;
  isTrustedSender: (senderUrl: string) => boolean;
  /** The control site the console talks to: one refresh token per site. */
  controlUrl: string;
  /** Chosen on first use (keytar's native module and the keychain are asked only then). */
  chooseStore: () => Promise<TokenStoreChoice>;
}

/** Refresh tokens are opaque strings or JWTs: printable ASCII, bounded. */
const REFRESH_TOKEN = /^[\x21-\x7e]{1,8192}$/;

/** The secret's name for a control site (names allow letters, digits, `_ . -`). */
export function refreshTokenName(controlUrl: string): string {
  const site = new URL(controlUrl).origin;
  return `console.refresh-token.${createHash('sha256').update(site).digest('hex').slice(0, 16)}`;
}

export function registerRefreshTokenHandlers(deps: RefreshTokenDeps): void {
  const name = refreshTokenName(deps.controlUrl);
  let chosen: Promise<TokenStoreChoice | { unusable: string }> | undefined;
  const store = () => {
    chosen ??= deps.chooseStore().then(
      (choice) =>
        choice.label === 'file'
          ? { unusable: `${choice.reason}; the sign-in is not kept after the window closes` }
          : choice,
      (error: unknown) => ({ unusable: `no secret store: ${(error as Error).message}` }),
    );
    return chosen;
  };

  handle(
    deps.ipc,
    'auth:restore',
    async () => {
      const choice = await store();
      if ('unusable' in choice) return { refreshToken: null };
      return { refreshToken: (await choice.store.get(name)) ?? null };
    },
    deps.isTrustedSender,
  );
  handle(
    deps.ipc,
    'auth:remember',
    async (refreshToken): Promise<RememberedSignIn> => {
      if (typeof refreshToken !== 'string' || !REFRESH_TOKEN.test(refreshToken)) {
        throw new IpcRefusal('a refresh token is 1 to 8192 printable ASCII characters', 'bad_token');
      }
      const choice = await store();
      if ('unusable' in choice) return { stored: false, where: choice.unusable };
      await choice.store.set(name, refreshToken);
      return { stored: true, where: choice.store.location };
    },
    deps.isTrustedSender,
  );
  handle(
    deps.ipc,
    'auth:forget',
    async () => {
      const choice = await store();
      if ('unusable' in choice) return { forgotten: false };
      return { forgotten: await choice.store.delete(name) };
    },
    deps.isTrustedSender,
  );
}
