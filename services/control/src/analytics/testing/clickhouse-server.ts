/**
 * A private ClickHouse server for tests and the benchmark: Debian's clickhouse-server (18.16 on
 * these machines) on free loopback ports with its own data directory, stopped by its PID.
 * `CLICKHOUSE_URL` points the tests at another server instead (a current one, e.g. the stack's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

const SERVER = '/usr/sbin/clickhouse-server';

export interface RunningClickHouse {
  url: string;
  version: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function versionOf(url: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: 'SELECT version()' });
  return (await res.text()).trim();
}

/** A ClickHouse to test against, or the reason there is none. */
export async function startClickHouse(): Promise<RunningClickHouse | { skip: string }> {
  const configured = process.env.CLICKHOUSE_URL;
  if (configured) return { url: configured, version: await versionOf(configured), stop: async () => {} };
  if (!existsSync(SERVER)) return { skip: `${SERVER} is not installed (apt-get install clickhouse-server)` };
  const dir = await mkdtemp('/tmp/sn-analytics-clickhouse-');
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'tmp'));
  const [http, tcp] = [await freePort(), await freePort()];
  await writeFile(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?><yandex><logger><level>warning</level><console>1</console></logger>
<http_port>${http}</http_port><tcp_port>${tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
<path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><users_config>${dir}/users.xml</users_config>
<default_profile>default</default_profile><default_database>default</default_database>
<mark_cache_size>5368709</mark_cache_size><max_concurrent_queries>20</max_concurrent_queries></yandex>`,
  );
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?><yandex><profiles><default><max_threads>2</max_threads></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
<quota>default</quota></default></users><quotas><default></default></quotas></yandex>`,
  );
  const child: ChildProcess = spawn(SERVER, [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return { url, version: await versionOf(url), stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  return { skip: 'clickhouse-server did not answer within 30 s' };
}
