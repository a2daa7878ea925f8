/**
 * Images for the real-stack test, made here because no registry is reachable: Debian roots from
 * `debootstrap --variant=minbase` (built once and cached under $SPEAKNODE_CACHE_DIR, default
 * /var/cache/speaknode, the layout CI's minimal-install check uses), imported with `docker import`.
 *
 * - the Node base, tagged as the Dockerfiles' base (`node:20-bookworm-slim`): the minbase root with
 *   this machine's Node 20 and the `node` user (uid 1000) of the official image;
 * - PostgreSQL 15 and Redis 7 from Debian's packages, with entrypoints that keep the official
 *   images' contract (POSTGRES_PASSWORD, PGDATA, /docker-entrypoint-initdb.d; redis-server args);
 * - the LLM stand-in (control's OpenAI-compatible test server, compiled to one JavaScript file).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { build } from 'esbuild';
import { imagePresent } from '../supervisor/images.ts';

const run = promisify(execFile);

export const TEST_IMAGES = {
  /** The Dockerfiles' base tag (a local image cannot carry the registry digest). */
  nodeBase: 'node:20-bookworm-slim',
  /** The suffix counts entrypoint changes: the cached engine keeps an image by its tag. */
  postgres: 'speaknode-test/postgres:15-bookworm-2',
  redis: 'speaknode-test/redis:7-bookworm',
  llm: 'speaknode-test/llm-stand-in:1',
} as const;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPEAKNODE_CACHE_DIR || '/var/cache/speaknode';
}

/** A root folder built once by `make` into `<cache>/<name>` (marked complete by `.complete`). */
async function cachedRoot(name: string, make: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(cacheDir(), name);
  if (existsSync(join(dir, '.complete'))) return dir;
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await make(partial);
  await writeFile(join(partial, '.complete'), '');
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

/** Debian bookworm minbase: the same cache CI's minimal-install check builds. */
export function minbaseRoot(): Promise<string> {
  return cachedRoot('minbase-bookworm', async (dir) => {
    await run('debootstrap', ['--variant=minbase', 'bookworm', dir, 'http://deb.debian.org/debian'], {
      maxBuffer: 64 * 1024 * 1024,
    });
  });
}

const DEBIAN_SERVICES_PACKAGES = ['postgresql-15', 'redis-server'];

/** minbase plus PostgreSQL 15 and Redis from Debian (no cluster created, no service started). */
function debianServicesRoot(): Promise<string> {
  return cachedRoot(`services-bookworm-${DEBIAN_SERVICES_PACKAGES.join('-')}`, async (dir) => {
    await run('cp', ['-a', await minbaseRoot(), dir]);
    await rm(join(dir, '.complete'), { force: true });
    // Packages must neither start services nor create the default cluster inside the root.
    await writeFile(join(dir, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    await mkdir(join(dir, 'etc/postgresql-common'), { recursive: true });
    await writeFile(join(dir, 'etc/postgresql-common/createcluster.conf'), 'create_main_cluster = false\n');
    await cp('/etc/resolv.conf', join(dir, 'etc/resolv.conf'));
    const chrootEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    await run('mount', ['-t', 'proc', 'proc', join(dir, 'proc')]);
    try {
      await run('chroot', [dir, 'apt-get', 'update', '-qq'], { env: chrootEnv, maxBuffer: 64 * 1024 * 1024 });
      await run(
        'chroot',
        [dir, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_SERVICES_PACKAGES],
        { env: chrootEnv, maxBuffer: 64 * 1024 * 1024 },
      );
      await run('chroot', [dir, 'apt-get', 'clean'], { env: chrootEnv });
    } finally {
      await run('umount', ['-l', join(dir, 'proc')]).catch(() => {});
    }
    await rm(join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
    await rm(join(dir, 'usr/sbin/policy-rc.d'), { force: true });
  });
}

/** `docker import` of a folder (plus extra files written over a copy of it), tagged `image`. */
async function importRoot(
  docker: Docker,
  root: string,
  image: string,
  changes: string[],
  extraFiles: Record<string, { content: string; mode: number } | { source: string; mode: number }> = {},
): Promise<void> {
  // A hard-linked copy of the root with the extra files in place (each unlinked first, so the
  // cached root is never written through a link).
  let dir = root;
  let scratch: string | undefined;
  if (Object.keys(extraFiles).length > 0) {
    scratch = await mkdtemp(join(tmpdir(), 'sn-image-root-'));
    dir = join(scratch, 'root');
    await run('cp', ['-al', root, dir]).catch(() => run('cp', ['-a', root, dir]));
    for (const [path, file] of Object.entries(extraFiles)) {
      const target = join(dir, path);
      await mkdir(join(target, '..'), { recursive: true });
      await rm(target, { force: true });
      if ('source' in file) await cp(file.source, target);
      else await writeFile(target, file.content);
      await chmod(target, file.mode);
    }
  }
  try {
    const args = ['-C', dir, '--exclude=./.complete', '--exclude=./proc/*', '--exclude=./dev/*', '-c', '.'];
    const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const index = image.lastIndexOf(':');
    const stream = (await docker.importImage(
      tar.stdout as Readable,
      {
        repo: image.slice(0, index),
        tag: image.slice(index + 1),
        changes,
      } as never,
    )) as unknown as Readable;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((m) => m.error)?.error;
        if (failed) reject(new Error(`importing ${image} failed: ${failed}`));
        else resolve();
      });
    });
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

const USER_NODE = { passwd: 'node:x:1000:1000::/home/node:/bin/sh\n', group: 'node:x:1000:\n' };

/** The minbase root with this machine's Node 20 and a `node` user, tagged as the Dockerfiles' base. */
export async function ensureNodeBaseImage(docker: Docker, image: string = TEST_IMAGES.nodeBase): Promise<void> {
  if (await imagePresent(docker, image)) return;
  const root = await minbaseRoot();
  const passwd = (await readFile(join(root, 'etc/passwd'), 'utf8')) + USER_NODE.passwd;
  const group = (await readFile(join(root, 'etc/group'), 'utf8')) + USER_NODE.group;
  await importRoot(
    docker,
    root,
    image,
    ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["node"]'],
    {
      'usr/local/bin/node': { source: process.execPath, mode: 0o755 },
      'etc/passwd': { content: passwd, mode: 0o644 },
      'etc/group': { content: group, mode: 0o644 },
    },
  );
}

const POSTGRES_ENTRYPOINT = `#!/bin/sh
# The official postgres image's contract, on Debian's PostgreSQL 15: initialise PGDATA at first start
# with POSTGRES_USER/POSTGRES_PASSWORD, run /docker-entrypoint-initdb.d/*.sql and *.sh (sourced, as the
# official image does with scripts that are not executable), then exec the server.
set -eu
: "\${PGDATA:=/var/lib/postgresql/data}"
: "\${POSTGRES_USER:=postgres}"
BIN=/usr/lib/postgresql/15/bin
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  as_postgres "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -q -f "$f" ;;
      *.sh) ( . "$f" ) ;;
    esac
  done
  as_postgres "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$BIN/postgres" -D "$PGDATA"
`;

const REDIS_ENTRYPOINT = `#!/bin/sh
# Runs the given command (redis-server …) as the redis user in /data, like the official image.
set -eu
mkdir -p /data
chown redis:redis /data
cd /data
exec setpriv --reuid=redis --regid=redis --init-groups "$@"
`;

export async function ensureDebianServiceImages(docker: Docker): Promise<void> {
  const want = [TEST_IMAGES.postgres, TEST_IMAGES.redis];
  const missing = [];
  for (const image of want) if (!(await imagePresent(docker, image))) missing.push(image);
  if (missing.length === 0) return;
  const root = await debianServicesRoot();
  const path = 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  if (missing.includes(TEST_IMAGES.postgres)) {
    await importRoot(docker, root, TEST_IMAGES.postgres, [path, 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'], {
      'usr/local/bin/docker-entrypoint.sh': { content: POSTGRES_ENTRYPOINT, mode: 0o755 },
    });
  }
  if (missing.includes(TEST_IMAGES.redis)) {
    await importRoot(
      docker,
      root,
      TEST_IMAGES.redis,
      [path, 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]', 'CMD ["redis-server"]'],
      { 'usr/local/bin/docker-entrypoint.sh': { content: REDIS_ENTRYPOINT, mode: 0o755 } },
    );
  }
}

/** The LLM stand-in compiled to one file, on the Node base. */
export async function ensureLlmStandInImage(docker: Docker, repoRoot: string): Promise<void> {
  if (await imagePresent(docker, TEST_IMAGES.llm)) return;
  const dir = await mkdtemp(join(tmpdir(), 'sn-llm-'));
  try {
    await build({
      entryPoints: [join(repoRoot, 'appliance/src/testing/llm-stand-in.ts')],
      outfile: join(dir, 'llm-stand-in.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    await writeFile(
      join(dir, 'Dockerfile'),
      `FROM ${TEST_IMAGES.nodeBase}\nCOPY llm-stand-in.mjs /opt/llm-stand-in.mjs\nUSER 1000:1000\nCMD ["node", "/opt/llm-stand-in.mjs"]\n`,
    );
    const tar = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = (await docker.buildImage(tar.stdout as Readable, { t: TEST_IMAGES.llm, rm: true })) as Readable;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
        const failed = error?.message ?? output.find((m) => m.error)?.error;
        if (failed) reject(new Error(`building ${TEST_IMAGES.llm} failed: ${failed}`));
        else resolve();
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
