import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus as hostCpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { LABEL_PROJECT } from './container-spec.ts';
import type { PreflightCheck } from './reports.ts';
import type { ResolvedStack } from './resolve.ts';

export type { PreflightCheck } from './reports.ts';

export interface PreflightReport {
  ok: boolean;
  checks: PreflightCheck[];
}

/** What preflight reads of the stack: before `init` there are no secrets, so it is not resolved. */
export interface PreflightStack {
  project: string;
  services: Pick<ResolvedStack['services'][number], 'name' | 'resources' | 'ports'>[];
}

export interface PreflightOptions {
  docker: Docker;
  stack: PreflightStack;
  gpu: boolean;
  /** false before `speaknode init`: the host is still checked, with the default settings' ports. */
  initialised?: boolean;
  /** The address LiveKit announces; without one it needs a STUN server on the internet. */
  publicIp?: string;
  /** Where the state directory and (for a local engine) the engine's data live, for the disk check. */
  stateDir: string;
  minDiskGb?: number;
  /** Oldest engine API the supervisor is tested with (Docker 20.10). */
  minApiVersion?: string;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function portFree(host: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  if (protocol === 'udp') {
    const { createSocket } = await import('node:dgram');
    return new Promise((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
  }
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function engineAnswered(checks: PreflightCheck[]): boolean {
  return checks.some((c) => c.name === 'engine' && c.detail.startsWith('Docker Engine'));
}

/** Checks the host before `up` (before `init` too), every check reported; each failed one says how to fix it. */
export async function preflight(options: PreflightOptions): Promise<PreflightReport> {
  const checks: PreflightCheck[] = [];
  const { docker, stack } = options;

  if (options.initialised === false) {
    checks.push({
      name: 'init',
      ok: false,
      detail: 'not initialised: no settings, secrets or config files yet (the checks below use the default ports)',
      fix: 'run `speaknode init --domain <this server’s name>`',
    });
  }
  let info:
    | { NCPU?: number; MemTotal?: number; Runtimes?: Record<string, unknown>; DockerRootDir?: string }
    | undefined;
  try {
    const version = await docker.version();
    const minimum = options.minApiVersion ?? '1.41';
    const apiOk = compareVersions(version.ApiVersion, minimum) >= 0;
    checks.push({
      name: 'engine',
      ok: apiOk,
      detail: `Docker Engine ${version.Version} (API ${version.ApiVersion}) on ${version.Os}/${version.Arch}`,
      fix: apiOk ? undefined : `upgrade Docker Engine to 20.10 or newer (API ${minimum})`,
    });
    info = (await docker.info()) as typeof info;
  } catch (error) {
    checks.push({
      name: 'engine',
      ok: false,
      detail: `the Docker Engine does not answer: ${(error as Error).message}`,
      fix:
        'start Docker (`systemctl start docker`), or point DOCKER_HOST / --docker-host at a running engine; ' +
        'make sure this user may use its socket (member of the `docker` group or root)',
    });
  }
  // Without an engine, measure this machine (where a local engine would run).
  const measuredOn = info ? 'the engine' : 'this machine (the engine did not answer)';
  info ??= { NCPU: hostCpus().length, MemTotal: totalmem() };

  const cpus = stack.services.reduce((sum, s) => sum + s.resources.cpus, 0);
  const memoryMb = stack.services.reduce((sum, s) => sum + s.resources.memoryMb, 0);
  // Limits are ceilings, not reservations: ask for half of their sum, at least 4 CPUs and 8 GiB.
  const wantCpus = Math.max(4, Math.ceil(cpus / 2));
  const wantMemGb = Math.max(8, Math.ceil(memoryMb / 2 / 1024));
  const haveCpus = info.NCPU ?? 0;
  const haveMemGb = (info.MemTotal ?? 0) / 1024 ** 3;
  const cut = stack.services.filter((s) => s.resources.cpus > haveCpus).map((s) => `${s.name} (${s.resources.cpus})`);
  checks.push({
    name: 'cpu',
    ok: haveCpus >= wantCpus,
    detail:
      `${haveCpus} CPUs on ${measuredOn}; this profile wants ${wantCpus} (the services' limits add up to ${cpus}; ` +
      `limits are ceilings, so half of that is enough)` +
      (cut.length > 0 ? `. Limits above ${haveCpus} CPUs are cut to ${haveCpus}: ${cut.join(', ')}` : ''),
    fix: haveCpus >= wantCpus ? undefined : `give the host at least ${wantCpus} CPUs, or leave optional profiles out`,
  });
  checks.push({
    name: 'memory',
    ok: haveMemGb >= wantMemGb,
    detail: `${haveMemGb.toFixed(1)} GiB RAM on ${measuredOn}; this profile wants ${wantMemGb} GiB (limits add up to ${Math.ceil(memoryMb / 1024)} GiB)`,
    fix:
      haveMemGb >= wantMemGb
        ? undefined
        : `give the host at least ${wantMemGb} GiB RAM, or leave optional profiles out`,
  });

  const minDiskGb = options.minDiskGb ?? 40;
  // Before init the state directory does not exist yet: measure the folder it will be made in.
  let stateDir = options.stateDir;
  while (dirname(stateDir) !== stateDir && !existsSync(stateDir)) stateDir = dirname(stateDir);
  for (const path of [...new Set([stateDir, info.DockerRootDir].filter((p): p is string => !!p))]) {
    if (
      !(await statfs(path).then(
        () => true,
        () => false,
      ))
    )
      continue;
    try {
      const fs = await statfs(path);
      const freeGb = (fs.bavail * fs.bsize) / 1024 ** 3;
      checks.push({
        name: `disk ${path}`,
        ok: freeGb >= minDiskGb,
        detail: `${freeGb.toFixed(1)} GiB free`,
        fix:
          freeGb >= minDiskGb ? undefined : `free at least ${minDiskGb} GiB on ${path} (images, databases, recordings)`,
      });
    } catch {
      // The engine's root is on another machine (remote engine): nothing to measure here.
    }
  }

  // Ports our own running containers hold are fine: `up` is idempotent.
  const ours = engineAnswered(checks)
    ? await docker.listContainers({ filters: { label: [`${LABEL_PROJECT}=${stack.project}`] } })
    : [];
  const held = new Set(ours.flatMap((c) => c.Ports.map((p) => `${p.Type}/${p.PublicPort}`)));
  const busy: string[] = [];
  for (const service of stack.services) {
    for (const port of service.ports) {
      // Ranges: checking the first port of each is enough to catch another media server.
      if (port.host === 0 || held.has(`${port.protocol}/${port.host}`)) continue;
      if (!(await portFree(port.bind, port.host, port.protocol))) {
        busy.push(`${port.protocol}/${port.host} (${service.name}: ${port.purpose})`);
      }
    }
  }
  checks.push({
    name: 'ports',
    ok: busy.length === 0,
    detail: busy.length === 0 ? 'every published port is free' : `in use: ${busy.join(', ')}`,
    fix:
      busy.length === 0
        ? undefined
        : 'stop what listens there (`ss -lntup` shows it), or choose other ports with `speaknode init --port NAME=N` ' +
          '(e.g. --port control=9080)',
  });

  if (options.initialised !== false) {
    checks.push(
      options.publicIp
        ? { name: 'public address', ok: true, detail: `LiveKit and LiveKit SIP announce ${options.publicIp}` }
        : {
            name: 'public address',
            ok: true,
            warning: true,
            detail:
              'no public address is set: LiveKit and LiveKit SIP ask a STUN server on the internet for it, ' +
              'and voice fails where there is no internet access',
            fix: 'run `speaknode init --public-ip ADDRESS` with the address browsers and SIP peers reach this server at',
          },
    );
  }

  if (options.gpu && engineAnswered(checks)) {
    const runtimes = Object.keys(info.Runtimes ?? {});
    const nvidia = runtimes.includes('nvidia');
    checks.push({
      name: 'gpu',
      ok: nvidia,
      detail: nvidia
        ? 'the NVIDIA container runtime is installed'
        : `no NVIDIA runtime (runtimes: ${runtimes.join(', ')})`,
      fix: nvidia
        ? undefined
        : 'install the NVIDIA driver and nvidia-container-toolkit, run `nvidia-ctk runtime configure --runtime=docker` ' +
          'and restart Docker; or run `speaknode init --no-gpu` to use the CPU',
    });
  }
  return { ok: checks.every((c) => c.ok), checks };
}
