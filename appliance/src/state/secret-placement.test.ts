/**
 * Where each secret ends up after `speaknode init` and `speaknode compose` (through the CLI, with the
 * 0600 file store): which file holds which secret, and each file's mode and owner. Only the secret
 * store and Compose's `.env` may hold secrets; every config file the containers mount holds none
 * (each product takes its secrets from its environment), so they are 0644 and never handed to a
 * container's uid.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../cli/main.ts';
import { KEYCLOAK_REALM_SECRETS } from '../config-files/keycloak-realm.ts';
import { referencedSecrets } from '../stack/secrets.ts';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    write: (t) => {
      stdout += t;
    },
    writeErr: (t) => {
      stderr += t;
    },
    isTTY: false,
    env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' },
  });
  return { code, stdout, stderr };
}

/** What Compose (and Keycloak) read as the variable NAME: `${NAME}`. */
const variable = (name: string) => `\${${name}}`;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

describe('where the secrets are', () => {
  let dir: string;
  let secrets: Record<string, string>;
  /** file (relative to the temporary folder) → the names of the secrets whose values it holds. */
  let placement: Record<string, string[]>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-secrets-'));
    const state = ['--state-dir', join(dir, 'state'), '--secret-store', 'file'];
    const init = await cli([
      ...state,
      'init',
      '--yes',
      '--domain',
      'voice.example.com',
      '--admin-email',
      'it@example.com',
      '--profile',
      'lago',
      '--profile',
      'langfuse',
      '--profile',
      'models',
      '--set',
      'OPENAI_API_KEY=sk-test-openai-1234',
      '--set',
      'TWILIO_AUTH_TOKEN=twilio-token-5678',
    ]);
    expect(init.code, init.stderr).toBe(0);
    const compose = await cli([...state, 'compose', '--out', join(dir, 'compose')]);
    expect(compose.code, compose.stderr + compose.stdout).not.toBe(64);
    secrets = JSON.parse(await readFile(join(dir, 'state', 'secrets.json'), 'utf8'));
    placement = {};
    for (const file of await filesUnder(dir)) {
      const text = await readFile(file, 'utf8');
      const held = Object.entries(secrets)
        .filter(([, value]) => text.includes(value))
        .map(([name]) => name);
      if (held.length > 0) placement[relative(dir, file)] = held.sort();
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps secrets in the secret store and in .env only, and .env holds only what the containers get', () => {
    expect(Object.keys(placement).sort()).toEqual(['compose/.env', 'state/secrets.json']);
    expect(placement['state/secrets.json']).toEqual(Object.keys(secrets).sort());
    const settings = StackSettings.parse({ domain: 'voice.example.com', profiles: ['lago', 'langfuse', 'models'] });
    const named = new Set(
      defineStack(settings).services.flatMap((s) =>
        [...Object.values(s.environment), ...(s.command ?? []), ...(s.entrypoint ?? [])].flatMap(referencedSecrets),
      ),
    );
    expect(placement['compose/.env']).toEqual([...named].filter((name) => name in secrets).sort());
    // A provider key no container reads (each agent's keys come from control) stays in the store.
    expect(placement['compose/.env']).not.toContain('OPENAI_API_KEY');
    expect(placement['compose/.env']).toContain('TWILIO_AUTH_TOKEN');
  });

  it('writes config files 0644 and owned by the user who ran init; the secret store, settings and .env 0600', async () => {
    const uid = process.getuid!();
    for (const file of await filesUnder(join(dir, 'state', 'config'))) {
      const info = await stat(file);
      expect(info.mode & 0o777, file).toBe(0o644);
      expect(info.uid, file).toBe(uid);
    }
    for (const file of ['state/secrets.json', 'state/settings.json', 'compose/.env', 'compose/docker-compose.yml']) {
      const info = await stat(join(dir, file));
      expect(info.mode & 0o777, file).toBe(0o600);
      expect(info.uid, file).toBe(uid);
    }
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700);
  });

  it('lets each product read its secrets from its environment', async () => {
    const config = join(dir, 'state', 'config');
    // Keycloak resolves ${…} in the realm it imports; its container gets exactly those variables.
    const realm = await readFile(join(config, 'keycloak-realm.json'), 'utf8');
    expect([...realm.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]).sort()).toEqual(
      [...KEYCLOAK_REALM_SECRETS].sort(),
    );
    const compose = parse(await readFile(join(dir, 'compose', 'docker-compose.yml'), 'utf8'));
    for (const name of KEYCLOAK_REALM_SECRETS) {
      expect(compose.services.keycloak.environment[name]).toBe(variable(name));
    }
    // LiveKit: keys, Redis password and the webhook key from its variables; livekit.yaml names none.
    const livekit = parse(await readFile(join(config, 'livekit.yaml'), 'utf8'));
    expect(livekit).not.toHaveProperty('keys');
    expect(livekit.redis).toEqual({ address: 'redis:6379' });
    expect(livekit.webhook).toEqual({ urls: ['http://webhooks:8081/livekit'] });
    expect(compose.services.livekit.environment).toMatchObject({
      LIVEKIT_KEYS: `${variable('LIVEKIT_API_KEY')}: ${variable('LIVEKIT_API_SECRET')}`,
      REDIS_PASSWORD: variable('REDIS_PASSWORD'),
      LIVEKIT_WEBHOOK_API_KEY: variable('LIVEKIT_API_KEY'),
    });
    // LiveKit SIP: its whole config as SIP_CONFIG_BODY (its Redis password has no variable of its own).
    const sip = parse(compose.services['livekit-sip'].environment.SIP_CONFIG_BODY);
    expect(sip.redis).toEqual({ address: 'redis:6379', password: variable('REDIS_PASSWORD') });
    expect(compose.services['livekit-sip'].volumes).toBeUndefined();
    // PostgreSQL's init script and MinIO's bucket job read their passwords from the environment.
    const postgresInit = await readFile(join(config, 'postgres-init.sh'), 'utf8');
    expect(postgresInit).toContain(`-v keycloak_password="$KEYCLOAK_DB_PASSWORD"`);
    expect(postgresInit).toContain("CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';");
    expect(compose.services.postgres.environment.KEYCLOAK_DB_PASSWORD).toBe(variable('KEYCLOAK_DB_PASSWORD'));
    expect(await readFile(join(config, 'minio-buckets.sh'), 'utf8')).toContain(
      'mc admin user add local "$S3_ACCESS_KEY" "$S3_SECRET_KEY"',
    );
    expect(compose.services['minio-buckets'].environment.S3_SECRET_KEY).toBe(variable('S3_SECRET_KEY'));
  });
});
