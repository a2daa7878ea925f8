import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import type Provider from 'oidc-provider';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A person who may sign in at the embedded issuer's login page; the password is kept as a scrypt hash only. */
export interface EmbeddedUser {
  /** The login name, also the token's `sub`. */
  username: string;
  /** `scrypt:<salt base64url>:<hash base64url>` from `hashPassword`. */
  passwordHash: string;
  email?: string;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A generated password that is easy to copy from a terminal: 4 groups of 5 letters and digits. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c as '&'] ?? c,
  );

function loginPage(action: string, clientName: string, error?: string, username = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Speaknode</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{display:grid;place-items:center;min-height:100vh;margin:0;background:Canvas;color:CanvasText}
form{display:grid;gap:.75rem;width:20rem;padding:2rem;border:1px solid #8884;border-radius:.75rem}
h1{font-size:1.25rem;margin:0 0 .5rem}
label{display:grid;gap:.25rem;font-size:.9rem}
input{font:inherit;padding:.5rem;border:1px solid #8888;border-radius:.4rem}
button{font:inherit;padding:.6rem;border:0;border-radius:.4rem;background:#2563eb;color:#fff;cursor:pointer}
p[role=alert]{color:#dc2626;margin:0}
small{opacity:.7}
</style></head>
<body><form method="post" action="${escapeHtml(action)}">
<h1>Sign in to Speaknode</h1>
<small>${escapeHtml(clientName)} asks you to sign in.</small>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<label>Username<input name="username" autocomplete="username" required ${username ? `value="${escapeHtml(username)}"` : 'autofocus'}></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}></label>
<button type="submit">Sign in</button>
<small>Trial sign-in (embedded issuer). The admin password was printed when control first started and is kept in its data directory.</small>
</form></body></html>`;
}

async function readForm(req: IncomingMessage, limit = 8_192): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/**
 * The interactive part of the embedded issuer: a login page at `<issuer>/interaction/<uid>` that
 * checks a username and password and finishes oidc-provider's interaction. Its clients are first
 * party (the console), so the consent prompt is answered by granting what was asked, without a
 * page. Failed attempts per interaction
 * are capped, so a login page left open cannot be used to guess passwords at leisure.
 */
export function createLoginInteractions(provider: Provider, users: EmbeddedUser[], issuerPath: string) {
  const byName = new Map(users.map((u) => [u.username, u]));
  const failures = new Map<string, number>();
  const maxFailures = 5;
  // A fixed hash to compare against for unknown users, so a miss costs as long as a wrong password.
  const decoy = hashPassword(randomBytes(8).toString('hex'));

  return async function handleInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const action = `${issuerPath}/interaction/${details.uid}`;
    const clientId = String(details.params.client_id ?? '');
    const client = await provider.Client.find(clientId);
    const clientName = client?.clientName ?? clientId;
    const send = (status: number, html: string) => {
      res.writeHead(status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        'x-frame-options': 'DENY',
      });
      res.end(html);
    };
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId: details.session.accountId, clientId });
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'GET') return send(200, loginPage(action, clientName));
    if (req.method !== 'POST') return send(405, loginPage(action, clientName, 'Use the form to sign in.'));

    const attempts = failures.get(details.uid) ?? 0;
    if (attempts >= maxFailures) {
      return send(429, loginPage(action, clientName, 'Too many failed attempts. Start the sign-in again.'));
    }
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const user = byName.get(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoy));
    if (!user || !ok) {
      failures.set(details.uid, attempts + 1);
      return send(401, loginPage(action, clientName, 'The username or password is wrong.', username.slice(0, 200)));
    }
    failures.delete(details.uid);
    if (failures.size > 10_000) failures.clear();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.username } },
      { mergeWithLastSubmission: false },
    );
  };
}
