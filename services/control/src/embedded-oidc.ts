import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ControlConfig } from '@speaknode/contracts/node';
import {
  createEmbeddedIssuer,
  type EmbeddedIssuer,
  type EmbeddedUser,
  generateIssuerKey,
  generatePassword,
  hashPassword,
} from '@speaknode/runtime/embedded-issuer';
import type { JWK } from 'jose';

/** The client a trial user gets admin-API tokens with (`npm run token -w @speaknode/control`). */
export const TRIAL_ADMIN_CLIENT_ID = 'speaknode-trial-admin';

export interface EmbeddedOidcState {
  signingKeys: JWK[];
  cookieKeys: string[];
  trialAdmin: { clientId: string; clientSecret: string };
}

export function embeddedOidcStatePath(config: Pick<ControlConfig, 'SPEAKNODE_DATA_DIR'>): string {
  return join(config.SPEAKNODE_DATA_DIR, 'embedded-oidc.json');
}

/** The embedded issuer's keys and the trial admin's secret, made once and kept in a 0600 file. */
export async function loadOrCreateEmbeddedOidcState(path: string): Promise<EmbeddedOidcState> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EmbeddedOidcState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const state: EmbeddedOidcState = {
    signingKeys: [await generateIssuerKey()],
    cookieKeys: [randomBytes(32).toString('base64url')],
    trialAdmin: { clientId: TRIAL_ADMIN_CLIENT_ID, clientSecret: randomBytes(24).toString('base64url') },
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(state, null, 2), { mode: 0o600 });
  await chmod(path, 0o600);
  return state;
}

/** The console's OIDC clients at the embedded issuer: the web app at /console/ and the desktop app (loopback). */
export const CONSOLE_WEB_CLIENT_ID = 'speaknode-console';
export const CONSOLE_DESKTOP_CLIENT_ID = 'speaknode-desktop';

export interface ConsoleUsers {
  users: EmbeddedUser[];
  /** Set only on the start that made the admin: the password to show once. */
  createdAdminPassword?: string;
}

/**
 * The people who may sign in to the console at the embedded issuer, kept (as scrypt hashes) in
 * `console-users.json` (0600). On first start an `admin` with a generated password is made; the
 * password is returned once for the log and also kept in `console-admin-password` (0600), so an
 * admin who missed the log can read it there. More users: add entries with `hashPassword`.
 */
export async function loadOrCreateConsoleUsers(dataDir: string): Promise<ConsoleUsers> {
  const path = join(dataDir, 'console-users.json');
  try {
    return { users: (JSON.parse(await readFile(path, 'utf8')) as { users: EmbeddedUser[] }).users };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = generatePassword();
  const users = [{ username: 'admin', passwordHash: await hashPassword(password) }];
  await mkdir(dataDir, { recursive: true });
  const passwordPath = join(dataDir, 'console-admin-password');
  await writeFile(passwordPath, `${password}\n`, { mode: 0o600 });
  await chmod(passwordPath, 0o600);
  await writeFile(path, JSON.stringify({ users }, null, 2), { mode: 0o600 });
  await chmod(path, 0o600);
  return { users, createdAdminPassword: password };
}

/** Where control's own base URL is, as tokens and the embedded issuer name it. */
export function controlBaseUrl(config: Pick<ControlConfig, 'PUBLIC_BASE_URL' | 'HOST'>, port: number): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL.replace(/\/$/, '');
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The embedded issuer for trials (no SPEAKNODE_OIDC_ISSUER): the services in
 * SPEAKNODE_EMBEDDED_CLIENTS get client-credentials tokens with their service role, and the trial
 * admin client gets user tokens (subject `speaknode-trial-admin`) for the admin API.
 */
export function createControlEmbeddedIssuer(
  config: Pick<ControlConfig, 'SPEAKNODE_OIDC_AUDIENCE' | 'SPEAKNODE_EMBEDDED_CLIENTS'>,
  issuer: string,
  state: EmbeddedOidcState,
  consoleUsers: EmbeddedUser[] = [],
): EmbeddedIssuer {
  const site = new URL(issuer).origin;
  return createEmbeddedIssuer({
    issuer,
    audience: config.SPEAKNODE_OIDC_AUDIENCE,
    signingKeys: state.signingKeys,
    cookieKeys: state.cookieKeys,
    clients: [
      { clientId: state.trialAdmin.clientId, clientSecret: state.trialAdmin.clientSecret, roles: [] },
      ...(config.SPEAKNODE_EMBEDDED_CLIENTS ?? []).map((c) => ({
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        roles: [c.role],
      })),
    ],
    login: {
      users: consoleUsers,
      clients: [
        {
          clientId: CONSOLE_WEB_CLIENT_ID,
          clientName: 'Speaknode console',
          applicationType: 'web',
          redirectUris: [`${site}/console/`],
          postLogoutRedirectUris: [`${site}/console/`],
        },
        {
          clientId: CONSOLE_DESKTOP_CLIENT_ID,
          clientName: 'Speaknode desktop',
          applicationType: 'native',
          // RFC 8252 §7.3: the desktop app listens on a free loopback port; any port matches.
          redirectUris: ['http://127.0.0.1/callback'],
        },
      ],
    },
  });
}
