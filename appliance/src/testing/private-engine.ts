import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';

/**
 * A Docker Engine of our own for tests: Debian's `dockerd` on a private socket, data root, exec root
 * and pidfile under a temporary directory. `--iptables=false --bridge=none` keep it from touching the
 * host's firewall rules and from creating `docker0` (user-defined networks, DNS between containers and
 * published ports through docker-proxy still work). Needs root.
 */
export interface PrivateEngine {
  docker: Docker;
  socket: string;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export type EngineStart = { engine: PrivateEngine } | { skip: string };

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EngineOptions {
  /**
   * A data root kept after stop (images and build layers survive to the next run: the real-stack
   * test's cache). Default: one inside the temporary directory, removed with it.
   */
  dataRoot?: string;
  /** Prefix of the temporary directory (socket, exec root, pidfile); default `/tmp/sn-dockerd-`. */
  dirPrefix?: string;
}

export async function startPrivateEngine(options: EngineOptions = {}): Promise<EngineStart> {
  const dockerd = which('dockerd');
  if (!dockerd) return { skip: 'dockerd is not installed (apt-get install docker.io)' };
  if (process.getuid?.() !== 0) return { skip: 'dockerd needs root and these tests do not run as root' };
  const dir = await mkdtemp(options.dirPrefix ?? '/tmp/sn-dockerd-');
  if (options.dataRoot) await mkdir(options.dataRoot, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child: ChildProcess = spawn(
    dockerd,
    [
      '-H',
      `unix://${socket}`,
      '--data-root',
      options.dataRoot ?? join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--iptables=false',
      '--bridge=none',
    ],
    { stdio: ['ignore', log, log] },
  );
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const docker = new Docker({ socketPath: socket });
  const stop = async () => {
    // Containers and networks first: dockerd leaves its bridge interfaces on the host otherwise.
    if (!exited) {
      try {
        for (const c of await docker.listContainers({ all: true })) {
          await docker.getContainer(c.Id).remove({ force: true });
        }
        for (const n of await docker.listNetworks()) {
          if (!['bridge', 'host', 'none'].includes(n.Name)) await docker.getNetwork(n.Id).remove();
        }
      } catch {
        // The engine is going away anyway.
      }
    }
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(200);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 25 && !exited; i++) await sleep(200);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
  };
  for (let i = 0; i < 150; i++) {
    if (exited) break;
    if (existsSync(socket)) {
      try {
        await docker.ping();
        return { engine: { docker, socket, dir, pid: child.pid!, stop } };
      } catch {
        // not ready yet
      }
    }
    await sleep(200);
  }
  const tail = readFileSync(join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-8).join('\n');
  await stop();
  return { skip: `dockerd did not start: ${tail}` };
}

/**
 * Imports a tiny image from a busybox-static rootfs (no registry needed) and tags it under each name.
 * The rootfs has /bin/busybox and its applets as links, plus /tmp.
 */
export async function importBusyboxImage(docker: Docker, names: string[]): Promise<void> {
  const busybox = which('busybox');
  if (!busybox) throw new Error('busybox is not installed (apt-get install busybox-static)');
  const root = await mkdtemp('/tmp/sn-rootfs-');
  try {
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    await mkdir(join(root, 'etc'), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await cp(busybox, join(root, 'bin/busybox'));
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets) if (applet !== 'busybox') await symlink('busybox', join(root, 'bin', applet));
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [first, ...rest] = names;
    const [repo, tag] = splitName(first!);
    const stream = (await docker.importImage(
      tar.stdout as Readable,
      {
        repo,
        tag,
        changes: ['CMD ["/bin/sh"]', 'ENV PATH=/bin'],
      } as never,
    )) as unknown as Readable;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()));
    });
    for (const name of rest) {
      const [r, t] = splitName(name);
      await docker.getImage(first!).tag({ repo: r, tag: t });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function splitName(name: string): [string, string] {
  const index = name.lastIndexOf(':');
  return index > 0 ? [name.slice(0, index), name.slice(index + 1)] : [name, 'latest'];
}
