import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineAddressError, engineOptions } from './engine-address.ts';

describe('engineOptions', () => {
  let certs: string;
  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'sn-certs-'));
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(certs, file), `${file} contents`);
  });
  afterAll(() => rm(certs, { recursive: true, force: true }));

  it('takes a socket path as DOCKER_HOST, bare or as unix://', () => {
    expect(engineOptions('/run/user/1000/docker.sock', {})).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(engineOptions('unix:///var/run/docker.sock', {})).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(engineOptions(undefined, {})).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('speaks TLS to tcp:// when DOCKER_TLS_VERIFY=1, with the certificates of DOCKER_CERT_PATH', () => {
    const options = engineOptions('tcp://engine.example:2376', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(options).toMatchObject({ host: 'engine.example', port: 2376, protocol: 'https' });
    expect(String(options.ca)).toBe('ca.pem contents');
    expect(String(options.key)).toBe('key.pem contents');
    expect(engineOptions('tcp://engine.example:2375', {})).toEqual({
      host: 'engine.example',
      port: 2375,
      protocol: 'http',
    });
  });

  it('says which certificate is missing for TLS', () => {
    expect(() => engineOptions('tcp://engine.example:2376', { DOCKER_CERT_PATH: join(certs, 'none') })).toThrow(
      /TLS to tcp:\/\/engine\.example:2376 needs .*ca\.pem/,
    );
  });

  it('goes over SSH for ssh:// (not HTTP to :2375)', () => {
    expect(engineOptions('ssh://ops@engine.example', { SSH_AUTH_SOCK: '/tmp/agent.sock' })).toMatchObject({
      host: 'engine.example',
      port: 22,
      protocol: 'ssh',
      username: 'ops',
      sshOptions: { agent: '/tmp/agent.sock' },
    });
  });

  it('refuses what it does not support, by name', () => {
    expect(() => engineOptions('npipe:////./pipe/docker_engine', {})).toThrow(EngineAddressError);
    expect(() => engineOptions('npipe:////./pipe/docker_engine', {})).toThrow(
      /npipe: are not supported|npipe:\/\/ are not supported/,
    );
    expect(() => engineOptions('engine.example:2375', {})).toThrow(/not one the docker CLI takes|not supported/);
  });
});
