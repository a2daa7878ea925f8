/**
 * What main, preload and renderer agree on: the IPC channels (`namespace:method`), their
 * arguments and results, and the `{result} | {error}` envelope every handler answers with.
 * Types and constants only, so all three can import it.
 */
import { STACK_CHANNELS, type StackContract, type StackPush } from './stack-ipc.ts';

export type IpcError = { message: string; code?: string };
export type IpcResult<T> = { result: T } | { error: IpcError };

export interface AppInfo {
  version: string;
  /** The control API of the stack this console supervises, e.g. `http://127.0.0.1:8080`. */
  controlUrl: string;
  platform: string;
}

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`, the redirect_uri to send in the authorization request. */
  redirectUri: string;
}

/** Where main keeps the console's refresh token: the OS keychain, Electron safeStorage, or nowhere. */
export interface RememberedSignIn {
  /** False when neither the keychain nor safeStorage is usable: the sign-in then lasts this window only. */
  stored: boolean;
  /** Where, in words (or why nowhere). */
  where: string;
}

export interface IpcContract extends StackContract {
  'app:info': { args: []; result: AppInfo };
  /** Starts a one-shot loopback listener (RFC 8252) for the sign-in redirect. */
  'auth:prepareLoopback': { args: []; result: LoopbackRedirect };
  /** Opens the authorization URL in the system browser and waits for the redirect; the full callback URL. */
  'auth:authorize': { args: [authorizationUrl: string]; result: { callbackUrl: string } };
  /** The refresh token main keeps for this control site, or null (never signed in, or signed out). */
  'auth:restore': { args: []; result: { refreshToken: string | null } };
  /** Keeps the refresh token in the OS keychain (or safeStorage), replacing the previous one. */
  'auth:remember': { args: [refreshToken: string]; result: RememberedSignIn };
  /** Forgets the refresh token (sign-out, or the issuer refused it). */
  'auth:forget': { args: []; result: { forgotten: boolean } };
}

export type IpcChannel = keyof IpcContract;

export const IPC_CHANNELS = [
  'app:info',
  'auth:prepareLoopback',
  'auth:authorize',
  'auth:restore',
  'auth:remember',
  'auth:forget',
  ...STACK_CHANNELS,
] as const satisfies IpcChannel[];

/** The API the preload exposes as `window.speaknode`. */
export type DesktopBridge = {
  [C in IpcChannel]: (...args: IpcContract[C]['args']) => Promise<IpcResult<IpcContract[C]['result']>>;
} & {
  /** What main pushes about the stack (progress, status, log lines); returns the unsubscribe. */
  'stack:events': (listener: (push: StackPush) => void) => () => void;
};

/** The custom scheme the renderer is served from inside Electron. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://console`;
