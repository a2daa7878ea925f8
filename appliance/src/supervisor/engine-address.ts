import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';

export class EngineAddressError extends Error {}

/**
 * dockerode's options for an engine address as the docker CLI takes it (`--docker-host`, else
 * `DOCKER_HOST`): `unix:///path` or a bare socket path, `tcp://host:port` (TLS when
 * `DOCKER_TLS_VERIFY=1` or port 2376, certificates from `DOCKER_CERT_PATH`, else ~/.docker), and
 * `ssh://user@host` (docker-modem runs `docker system dial-stdio` over SSH, with $SSH_AUTH_SOCK).
 * Anything else is refused by name rather than guessed at.
 */
export function engineOptions(address: string | undefined, env: NodeJS.ProcessEnv): Docker.DockerOptions {
  if (!address) return { socketPath: '/var/run/docker.sock' };
  if (address.startsWith('/')) return { socketPath: address };
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) || '/var/run/docker.sock' };
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new EngineAddressError(
      `the engine address ${JSON.stringify(address)} is not one the docker CLI takes: use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST`,
    );
  }
  switch (url.protocol) {
    case 'tcp:': {
      const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
      const port = Number(url.port || (tls ? 2376 : 2375));
      if (!tls) return { host: url.hostname, port, protocol: 'http' };
      const certs = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
      const read = (file: string) => {
        try {
          return readFileSync(join(certs, file));
        } catch (error) {
          throw new EngineAddressError(
            `TLS to ${address} needs ${join(certs, file)} (DOCKER_CERT_PATH, else ~/.docker): ${(error as Error).message}`,
          );
        }
      };
      return {
        host: url.hostname,
        port,
        protocol: 'https',
        ca: read('ca.pem'),
        cert: read('cert.pem'),
        key: read('key.pem'),
      };
    }
    case 'ssh:':
      return {
        host: url.hostname,
        port: Number(url.port || 22),
        protocol: 'ssh',
        username: decodeURIComponent(url.username) || undefined,
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      } as Docker.DockerOptions;
    default:
      throw new EngineAddressError(
        `engine addresses with ${url.protocol}// are not supported: use unix://, tcp:// (with DOCKER_TLS_VERIFY=1 for TLS) or ssh://`,
      );
  }
}
