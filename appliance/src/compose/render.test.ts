import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateMissingSecrets } from '../stack/secrets.ts';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { renderCompose } from './render.ts';
import { validateCompose } from './validate.ts';

const settings = StackSettings.parse({ domain: 'voice.example.com', profiles: ['models', 'langfuse'], gpu: true });
const { secrets } = generateMissingSecrets({});

function composeAvailable(): boolean {
  for (const args of [
    ['docker-compose', 'version'],
    ['docker', 'compose', 'version'],
  ]) {
    try {
      execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' });
      return true;
    } catch {
      // try the next
    }
  }
  return false;
}

describe('compose rendering', () => {
  const rendered = renderCompose(defineStack(settings), settings, secrets, '/var/lib/speaknode/config');
  const doc = parse(rendered.composeYaml);

  it('keeps secrets out of docker-compose.yml and puts them in .env', () => {
    for (const value of Object.values(secrets)) expect(rendered.composeYaml).not.toContain(value);
    const dollar = '$';
    expect(doc.services.control.environment.DATABASE_URL).toBe(
      `postgres://speaknode:${dollar}{SPEAKNODE_DB_PASSWORD}@postgres:5432/speaknode`,
    );
    expect(doc.services.webhooks.environment.TWILIO_AUTH_TOKEN).toBe(`${dollar}{TWILIO_AUTH_TOKEN:-}`);
    expect(rendered.envFile).toContain(`REDIS_PASSWORD=${secrets.REDIS_PASSWORD}\n`);
    expect(rendered.envFile).toContain('COMPOSE_PROFILES=models,langfuse\n');
  });

  it('renders health conditions, loopback ports, profiles, limits and the GPU request', () => {
    expect(doc.services.control.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    expect(doc.services.control.depends_on['kafka-topics']).toEqual({ condition: 'service_completed_successfully' });
    expect(doc.services.minio.ports).toEqual(['127.0.0.1:9001:9001/tcp']);
    expect(doc.services.livekit.ports).toContain('0.0.0.0:7882:7882/udp');
    expect(doc.services['livekit-sip'].ports).toContain('0.0.0.0:10000-10199:10000-10199/udp');
    expect(doc.services.postgres.ports).toBeUndefined();
    expect(doc.services.models.profiles).toEqual(['models']);
    expect(doc.services.models.deploy.resources.reservations.devices).toEqual([
      { driver: 'nvidia', count: 'all', capabilities: ['gpu'] },
    ]);
    expect(doc.services.postgres.deploy.resources.limits).toEqual({ cpus: '2', memory: '2048M' });
    expect(doc.services.keycloak.volumes).toEqual([
      '/var/lib/speaknode/config/keycloak-realm.json:/opt/keycloak/data/import/speaknode-realm.json:ro',
    ]);
    // A literal $ in a healthcheck is escaped so Compose does not interpolate it.
    expect(doc.services['langfuse-web'].healthcheck.test[1]).toContain('$$(hostname -i)');
  });

  const composeSuite = composeAvailable() ? it : it.skip;
  if (!composeAvailable())
    console.info('docker-compose validation skipped: neither docker-compose nor docker compose is installed');
  composeSuite(
    'passes `docker-compose config`, and a broken file does not',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sn-compose-'));
      try {
        const file = join(dir, 'docker-compose.yml');
        await writeFile(file, rendered.composeYaml);
        await writeFile(join(dir, '.env'), rendered.envFile);
        const result = await validateCompose(file, dir);
        expect(result, result.output).toMatchObject({ validated: true, ok: true });

        await writeFile(
          file,
          rendered.composeYaml.replace('condition: service_healthy', 'condition: when_it_feels_like_it'),
        );
        const broken = await validateCompose(file, dir);
        expect(broken).toMatchObject({ validated: true, ok: false });
        expect(broken.output).toMatch(/when_it_feels_like_it|condition/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
