import {
  AgentWorkerConfig,
  BridgeConfig,
  ControlConfig,
  loadConfig,
  ModelsConfig,
  WebhooksConfig,
} from '@speaknode/contracts/node';
import { describe, expect, it } from 'vitest';
import { configFileTemplates } from '../config-files/index.ts';
import { generateMissingSecrets, referencedSecrets, resolveSecrets, SECRET_NAMES } from './secrets.ts';
import { StackSettings } from './settings.ts';
import { activeServices, defineStack, dependencyOrder, validateServices } from './stack.ts';
import { PROFILES, type ServiceDefinition } from './types.ts';

const allProfiles = StackSettings.parse({ domain: 'voice.example.com', profiles: [...PROFILES], gpu: true });
const core = StackSettings.parse({ domain: 'voice.example.com' });
const { secrets } = generateMissingSecrets({});

function byName(services: ServiceDefinition[], name: string): ServiceDefinition {
  const found = services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

function resolvedEnv(service: ServiceDefinition): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, resolveSecrets(v, secrets)]));
}

describe('stack definition', () => {
  for (const [label, settings] of [
    ['core only', core],
    ['every profile, GPU', allProfiles],
  ] as const) {
    it(`is consistent (${label}): dependencies exist, no cycles, no port clash, every secret generated`, () => {
      const services = activeServices(defineStack(settings), settings.profiles);
      expect(validateServices(services)).toEqual([]);
      expect(dependencyOrder(services)).toHaveLength(services.length);
    });
  }

  it('has every part of the stack, each image pinned', () => {
    const names = defineStack(allProfiles).services.map((s) => s.name);
    for (const name of [
      'postgres',
      'redis',
      'kafka',
      'clickhouse',
      'minio',
      'keycloak',
      'livekit',
      'livekit-sip',
      'otel-collector',
      'lago-api',
      'langfuse-web',
      'control',
      'webhooks',
      'bridge',
      'agent',
      'models',
    ]) {
      expect(names).toContain(name);
    }
    for (const s of defineStack(allProfiles).services) expect(s.image.tag).toMatch(/^[\w.-]+$/);
  });

  it('leaves optional parts out unless their profile is chosen', () => {
    const names = activeServices(defineStack(core), core.profiles).map((s) => s.name);
    expect(names).not.toContain('models');
    expect(names).not.toContain('lago-api');
    expect(names).not.toContain('langfuse-web');
    expect(byName(defineStack(core).services, 'agent').dependsOn).not.toHaveProperty('models');
  });

  it('binds internal ports to loopback and publishes nothing of the data services', () => {
    const services = defineStack(allProfiles).services;
    for (const name of ['postgres', 'redis', 'kafka', 'clickhouse', 'otel-collector', 'models']) {
      expect(byName(services, name).ports).toEqual([]);
    }
    for (const name of ['minio', 'lago-api', 'langfuse-web']) {
      for (const port of byName(services, name).ports) expect(port.bind).toBe('127.0.0.1');
    }
  });

  it("gives the agent control's token for its API and no provider keys (each agent's credentials come from control)", () => {
    for (const settings of [core, allProfiles]) {
      const agent = byName(defineStack(settings).services, 'agent');
      expect(agent.environment.AGENT_API_TOKEN).toBe('{{AGENT_API_TOKEN}}');
      expect(byName(defineStack(settings).services, 'control').environment.AGENT_API_TOKEN).toBe('{{AGENT_API_TOKEN}}');
      const keys = Object.keys(agent.environment).filter((name) => /(OPENAI|DEEPGRAM|ELEVENLABS)_API_KEY/.test(name));
      expect(keys).toEqual([]);
      expect(Object.values(agent.environment).join(' ')).not.toMatch(
        /OPENAI_API_KEY|DEEPGRAM_API_KEY|ELEVENLABS_API_KEY/,
      );
    }
  });

  it('pins an OpenTelemetry Collector that reads the per-signal Kafka exporter keys (0.124 or newer)', () => {
    const collector = byName(defineStack(core).services, 'otel-collector');
    const [, minor] = collector.image.tag.split('.').map(Number);
    expect(minor).toBeGreaterThanOrEqual(124);
  });

  it('runs our services under an init process; third-party images keep their own PID 1', () => {
    const services = defineStack(core).services;
    for (const name of ['control', 'webhooks', 'bridge', 'agent']) expect(byName(services, name).init, name).toBe(true);
    expect(byName(services, 'postgres').init).toBeUndefined();
  });

  it('asks for the GPU only when one is selected', () => {
    expect(byName(defineStack(allProfiles).services, 'models').gpu).toBe(true);
    expect(byName(defineStack(allProfiles).services, 'models').environment.MODELS_DEVICE).toBe('cuda');
    expect(byName(defineStack({ ...allProfiles, gpu: false }).services, 'models').gpu).toBe(false);
  });

  it('finds a port clash, an unknown dependency, a cycle and an ungenerated secret', () => {
    const services = activeServices(defineStack(core), []);
    const control = byName(services, 'control');
    const broken: ServiceDefinition[] = [
      ...services.filter((s) => s.name !== 'control'),
      {
        ...control,
        environment: { ...control.environment, X: '{{NOT_A_SECRET}}' },
        ports: [...control.ports, { ...control.ports[0]!, host: core.ports.webhooks }],
        dependsOn: { ...control.dependsOn, ghost: 'service_healthy' },
      },
    ];
    const problems = validateServices(broken).join('\n');
    expect(problems).toContain('depends on ghost, which is not part of the stack');
    expect(problems).toContain(`host port tcp/${core.ports.webhooks} is published by both`);
    expect(problems).toContain('secret NOT_A_SECRET, which is never generated');
    const cycle = services.map((s) =>
      s.name === 'postgres' ? { ...s, dependsOn: { control: 'service_healthy' as const } } : s,
    );
    expect(validateServices(cycle).join('\n')).toContain('dependency cycle: ');
  });

  it("gives our services an environment their contracts' config schemas accept", () => {
    const services = defineStack(allProfiles).services;
    const control = loadConfig('control', ControlConfig, resolvedEnv(byName(services, 'control')));
    expect(control.DATABASE_URL).toMatch(/^postgres:\/\/speaknode:.+@postgres:5432\/speaknode$/);
    expect(control.LIVEKIT_API_KEY).toBe(secrets.LIVEKIT_API_KEY);
    expect(control.LAGO_API_KEY).toBe(secrets.LAGO_API_KEY);
    expect(control.SPEAKNODE_CREDENTIALS_KEY).toHaveLength(44);
    const webhooks = loadConfig('webhooks', WebhooksConfig, resolvedEnv(byName(services, 'webhooks')));
    expect(webhooks.SPEAKNODE_SERVICE_CLIENT_ID).toBe('speaknode-webhooks');
    expect(webhooks.PUBLIC_BASE_URL).toBe('http://voice.example.com:8081');
    const bridge = loadConfig('bridge', BridgeConfig, resolvedEnv(byName(services, 'bridge')));
    expect(bridge.CONTROL_URL).toBe('http://control:8080');
    // The receiver signs stream tokens with the secret the bridge checks them with.
    expect(bridge.SPEAKNODE_STREAM_SECRET).toBe(secrets.SPEAKNODE_STREAM_SECRET);
    expect(webhooks.SPEAKNODE_STREAM_SECRET).toBe(secrets.SPEAKNODE_STREAM_SECRET);
    const agent = loadConfig('agent', AgentWorkerConfig, resolvedEnv(byName(services, 'agent')));
    expect(agent.MODELS_URL).toBe('http://models:8084');
    expect(agent.LANGFUSE_PUBLIC_KEY).toMatch(/^pk-lf-/);
    // The text-session API is never anonymous: control and the worker share its token.
    expect(agent.AGENT_API_TOKEN).toBe(secrets.AGENT_API_TOKEN);
    expect(control.AGENT_API_TOKEN).toBe(secrets.AGENT_API_TOKEN);
    expect(control.AGENT_URL).toBe('http://agent:8083');
    // Outbound calls: status callbacks to the receiver, stream legs to the bridge with a token it accepts.
    expect(control.WEBHOOKS_PUBLIC_URL).toBe(webhooks.PUBLIC_BASE_URL);
    expect(control.BRIDGE_PUBLIC_URL).toBe('ws://voice.example.com:8082');
    expect(control.SPEAKNODE_STREAM_SECRET).toBe(secrets.SPEAKNODE_STREAM_SECRET);
    // Provider keys come from each agent's credentials, never from the worker's environment.
    const agentEnv = Object.keys(byName(services, 'agent').environment);
    expect(agentEnv.filter((name) => /^(OPENAI|DEEPGRAM|ELEVENLABS|CARTESIA|TWILIO)_/.test(name))).toEqual([]);
    const models = loadConfig('models', ModelsConfig, resolvedEnv(byName(services, 'models')));
    expect(models.MODELS_DEVICE).toBe('cuda');
    expect(models.MODELS_API_TOKEN).toBe(secrets.MODELS_API_TOKEN);
    expect(agent.MODELS_API_TOKEN).toBe(secrets.MODELS_API_TOKEN);
    // Behind a TLS-terminating proxy the public URLs switch to https/wss.
    const tls = defineStack({ ...allProfiles, tls: 'external' }).services;
    const tlsWebhooks = loadConfig('webhooks', WebhooksConfig, resolvedEnv(byName(tls, 'webhooks')));
    expect(tlsWebhooks.BRIDGE_PUBLIC_URL).toBe('wss://media.voice.example.com');
    const tlsControl = loadConfig('control', ControlConfig, resolvedEnv(byName(tls, 'control')));
    expect(tlsControl.WEBHOOKS_PUBLIC_URL).toBe('https://hooks.voice.example.com');
    expect(tlsControl.BRIDGE_PUBLIC_URL).toBe('wss://media.voice.example.com');
  });

  it('generates every secret the services and config files refer to, and each one differs', () => {
    const referenced = new Set([
      ...defineStack(allProfiles).services.flatMap((s) =>
        [...Object.values(s.environment), ...(s.command ?? [])].flatMap(referencedSecrets),
      ),
      ...Object.values(configFileTemplates(allProfiles)).flatMap(referencedSecrets),
    ]);
    for (const name of referenced) expect(SECRET_NAMES).toContain(name);
    const values = Object.values(secrets);
    expect(new Set(values).size).toBe(values.length);
    expect(secrets.LANGFUSE_ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(secrets.KAFKA_CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(secrets.LAGO_RSA_PRIVATE_KEY!, 'base64').toString()).toContain('BEGIN RSA PRIVATE KEY');
  });

  it('refuses settings that are not valid, saying what is expected', () => {
    expect(() => StackSettings.parse({ domain: 'not a domain' })).toThrow(/host name/);
    expect(() => StackSettings.parse({ domain: 'x.example.com', profiles: ['mining'] })).toThrow();
    expect(() => StackSettings.parse({ domain: 'x.example.com', ports: { control: 70_000 } })).toThrow();
    expect(() => StackSettings.parse({ domain: 'x.example.com', publicIp: '10.0.0.300' })).toThrow();
  });
});
