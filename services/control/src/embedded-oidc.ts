import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ControlConfig } from '@speaknode/contracts/node';
import { createEmbeddedIssuer, type EmbeddedIssuer, generateIssuerKey } from '@speaknode/runtime/embedded-issuer';
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
): EmbeddedIssuer {
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
  });
}
