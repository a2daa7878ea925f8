import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverServices, type RunnableService, resolvePorts, serviceUrlEnv } from './services.ts';

describe('discoverServices', () => {
  it('lists workspaces that declare an existing entry point and a port, in workspace order', () => {
    const root = mkdtempSync(join(tmpdir(), 'speaknode-start-'));
    const write = (path: string, body: unknown) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), typeof body === 'string' ? body : JSON.stringify(body));
    };
    write('package.json', { name: 'root', workspaces: ['svc/b', 'svc/a', 'lib', 'svc/missing', 'svc/nomain'] });
    write('svc/b/package.json', {
      name: '@speaknode/b',
      description: 'B',
      speaknode: { main: 'src/main.ts', port: 9002 },
    });
    write('svc/b/src/main.ts', '');
    write('svc/a/package.json', { name: '@speaknode/a', speaknode: { main: 'src/main.ts', port: 9001 } });
    write('svc/a/src/main.ts', '');
    write('lib/package.json', { name: '@speaknode/lib' });
    write('svc/nomain/package.json', { name: '@speaknode/nomain', speaknode: { main: 'src/main.ts', port: 9003 } });
    expect(discoverServices(root)).toEqual([
      { name: 'b', description: 'B', main: join('svc/b', 'src/main.ts'), port: 9002, portVariable: 'B_PORT' },
      { name: 'a', description: '', main: join('svc/a', 'src/main.ts'), port: 9001, portVariable: 'A_PORT' },
    ]);
  });
});

const service = (name: string, port: number): RunnableService => ({
  name,
  description: '',
  main: `${name}/main.ts`,
  port,
  portVariable: `${name.toUpperCase()}_PORT`,
});
const all = [service('control', 8080), service('webhooks', 8081), service('bridge', 8082), service('agent', 8083)];

describe('resolvePorts', () => {
  it('takes each port from its variable, else the default', () => {
    const ports = resolvePorts(all, { AGENT_PORT: '9083', CONTROL_PORT: '' }).map((s) => [s.name, s.port]);
    expect(ports).toEqual([
      ['control', 8080],
      ['webhooks', 8081],
      ['bridge', 8082],
      ['agent', 9083],
    ]);
  });

  it.each(['abc', '0', '65536', '80.5', '-1', '8080x', ' 8080 9'])('refuses %j, naming the variable', (value) => {
    expect(() => resolvePorts(all, { WEBHOOKS_PORT: value })).toThrow(/^WEBHOOKS_PORT=.* is not a port number/);
  });

  it('refuses two services on one port', () => {
    expect(() => resolvePorts(all, { BRIDGE_PORT: '8080' })).toThrow(
      'bridge and control would both listen on port 8080: set BRIDGE_PORT or CONTROL_PORT to another port',
    );
  });
});

describe('serviceUrlEnv', () => {
  it('tells every service where the others listen; what the user set wins', () => {
    const moved = resolvePorts(all, { CONTROL_PORT: '9080', BRIDGE_PORT: '9082', AGENT_PORT: '9083' });
    const env = serviceUrlEnv(moved, { WEBHOOKS_PUBLIC_URL: 'https://hooks.example.com' });
    expect(env.get('agent')).toMatchObject({
      CONTROL_URL: 'http://127.0.0.1:9080',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9080',
      PORT: '9083',
    });
    expect(env.get('control')).toMatchObject({ AGENT_URL: 'http://127.0.0.1:9083', PORT: '9080' });
    expect(env.get('webhooks')).toMatchObject({
      PUBLIC_BASE_URL: 'https://hooks.example.com',
      BRIDGE_PUBLIC_URL: 'ws://127.0.0.1:9082',
      CONTROL_URL: 'http://127.0.0.1:9080',
    });
    expect(env.get('control')?.MODELS_URL).toBeUndefined();
  });
});
