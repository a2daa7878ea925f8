import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_TOPICS, ServiceRole, Topics } from '@speaknode/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FileSecretStore } from '../secrets/file-secret-store.ts';
import { runInit } from './init.ts';
import { NotInitializedError, StateDir } from './state-dir.ts';

describe('speaknode init', () => {
  let dir: string;
  let state: StateDir;
  let store: FileSecretStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-init-'));
    state = new StateDir(join(dir, 'state'));
    store = new FileSecretStore(join(dir, 'state', 'secrets.json'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates every secret and writes each config file 0644 (none holds a secret), with no placeholder left', async () => {
    const result = await runInit({
      stateDir: state,
      secretStore: store,
      settings: { domain: 'voice.example.com', profiles: ['lago', 'langfuse'] },
      providerKeys: { OPENAI_API_KEY: 'sk-test-123', DEEPGRAM_API_KEY: '  ' },
    });
    expect(result.generated.length).toBeGreaterThan(25);
    expect(result.providerKeys).toEqual(['OPENAI_API_KEY']);
    const secrets = await store.getAll();
    expect(secrets.OPENAI_API_KEY).toBe('sk-test-123');
    expect(secrets).not.toHaveProperty('DEEPGRAM_API_KEY');
    const files = await readdir(state.configDir);
    expect(files.sort()).toEqual(
      [
        'clickhouse-schema.sql',
        'kafka-topics.sh',
        'keycloak-realm.json',
        'livekit.yaml',
        'minio-buckets.sh',
        'otel-collector.yaml',
        'postgres-init.sh',
      ].sort(),
    );
    for (const file of files.map((f) => state.configPath(f))) {
      expect((await stat(file)).mode & 0o777, file).toBe(0o644);
      const text = await readFile(file, 'utf8');
      expect(text, file).not.toMatch(/\{\{[A-Z0-9_]+\}\}/);
      for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${file}: ${name}`).toBe(false);
    }
    expect((await stat(state.settingsPath)).mode & 0o777).toBe(0o600);
    expect((await stat(state.root)).mode & 0o777).toBe(0o700);

    const livekit = parse(await readFile(state.configPath('livekit.yaml'), 'utf8'));
    expect(livekit.webhook.urls).toEqual(['http://webhooks:8081/livekit']);
    expect(livekit.rtc).toEqual({ tcp_port: 7881, udp_port: 7882, use_external_ip: true });

    const collector = parse(await readFile(state.configPath('otel-collector.yaml'), 'utf8'));
    // Per signal (the top-level keys are deprecated since 0.124), on a collector that has them.
    expect(collector.exporters.kafka.traces).toEqual({ topic: Topics.agentTelemetrySpans, encoding: 'otlp_json' });
    expect(collector.exporters.kafka).not.toHaveProperty('topic');
    expect(collector.exporters.kafka).not.toHaveProperty('encoding');
    expect(collector.service.pipelines.traces).toMatchObject({ receivers: ['otlp'], exporters: ['kafka'] });

    const topics = await readFile(state.configPath('kafka-topics.sh'), 'utf8');
    for (const topic of ALL_TOPICS) expect(topics).toContain(`--topic '${topic}'`);
    expect(topics).toContain('--if-not-exists');

    const buckets = await readFile(state.configPath('minio-buckets.sh'), 'utf8');
    expect(buckets).toContain('mc mb --ignore-existing local/recordings');
    expect(buckets).toContain('"$S3_ACCESS_KEY"');

    const sql = await readFile(state.configPath('postgres-init.sh'), 'utf8');
    expect(sql).toContain("CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';");
  });

  it('writes a Keycloak realm: a public PKCE console client, client-credentials clients with service roles', async () => {
    await runInit({
      stateDir: state,
      secretStore: store,
      settings: { domain: 'voice.example.com', tls: 'external', publicIp: '203.0.113.7', adminEmail: 'it@example.com' },
    });
    const livekit = parse(await readFile(state.configPath('livekit.yaml'), 'utf8'));
    expect(livekit.rtc).toMatchObject({ node_ip: '203.0.113.7', use_external_ip: false });
    const realm = JSON.parse(await readFile(state.configPath('keycloak-realm.json'), 'utf8'));
    expect(realm.realm).toBe('speaknode');
    expect(realm.sslRequired).toBe('external');
    const console = realm.clients.find((c: { clientId: string }) => c.clientId === 'speaknode-console');
    expect(console).toMatchObject({ publicClient: true, standardFlowEnabled: true, implicitFlowEnabled: false });
    expect(console.attributes['pkce.code.challenge.method']).toBe('S256');
    expect(console.redirectUris).toContain('https://api.voice.example.com/*');
    const roleNames = realm.roles.realm.map((r: { name: string }) => r.name);
    for (const role of ServiceRole.options) expect(roleNames).toContain(role);
    expect(roleNames).toEqual(expect.arrayContaining(['space:owner', 'space:admin', 'space:editor', 'space:viewer']));
    for (const [service, secretName] of [
      ['webhooks', 'KEYCLOAK_WEBHOOKS_CLIENT_SECRET'],
      ['bridge', 'KEYCLOAK_BRIDGE_CLIENT_SECRET'],
      ['agent', 'KEYCLOAK_AGENT_CLIENT_SECRET'],
    ] as const) {
      const client = realm.clients.find((c: { clientId: string }) => c.clientId === `speaknode-${service}`);
      expect(client).toMatchObject({ publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false });
      // Keycloak resolves it from its environment when it imports the realm.
      expect(client.secret).toBe(`\${${secretName}}`);
      const user = realm.users.find(
        (u: { serviceAccountClientId: string }) => u.serviceAccountClientId === client.clientId,
      );
      expect(user.realmRoles).toEqual([`service:${service}`]);
      const mappers = client.protocolMappers.map((m: { protocolMapper: string }) => m.protocolMapper);
      expect(mappers).toEqual(['oidc-usermodel-realm-role-mapper', 'oidc-audience-mapper']);
    }
    // A person can sign in: the first admin, whose temporary password must be changed at first sign-in.
    const admin = realm.users.find((u: { username: string }) => u.username === 'it@example.com');
    expect(admin).toMatchObject({
      email: 'it@example.com',
      enabled: true,
      requiredActions: ['UPDATE_PASSWORD'],
      credentials: [{ type: 'password', value: `${'$'}{KEYCLOAK_FIRST_ADMIN_PASSWORD}`, temporary: true }],
      realmRoles: ['speaknode:admin'],
    });
    expect(roleNames).toContain('speaknode:admin');
  });

  it('gives the first admin a temporary password once, on the run that generates it', async () => {
    const settings = { domain: 'voice.example.com', adminEmail: 'it@example.com' };
    const first = await runInit({ stateDir: state, secretStore: store, settings });
    const secrets = await store.getAll();
    expect(first.firstAdmin).toEqual({
      email: 'it@example.com',
      temporaryPassword: secrets.KEYCLOAK_FIRST_ADMIN_PASSWORD,
    });
    expect(first.firstAdmin!.temporaryPassword.length).toBeGreaterThanOrEqual(12);
    const second = await runInit({ stateDir: state, secretStore: store, settings });
    expect(second).not.toHaveProperty('firstAdmin');
  });

  it('keeps existing secrets when run again, and says when nothing is set up yet', async () => {
    await expect(state.readSettings()).rejects.toBeInstanceOf(NotInitializedError);
    const first = await runInit({ stateDir: state, secretStore: store, settings: { domain: 'a.example.com' } });
    const before = await store.getAll();
    const second = await runInit({ stateDir: state, secretStore: store, settings: { domain: 'b.example.com' } });
    expect(second.generated).toEqual([]);
    expect(second.kept).toBe(first.generated.length);
    expect(await store.getAll()).toEqual(before);
    expect((await state.readSettings()).domain).toBe('b.example.com');
  });

  it('refuses bad settings before writing anything', async () => {
    await expect(runInit({ stateDir: state, secretStore: store, settings: { domain: 'bad domain!' } })).rejects.toThrow(
      /host name/,
    );
    await expect(readdir(state.root)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
