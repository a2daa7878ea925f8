/**
 * `speaknode status --json` as an operator runs it: a fresh process of the installed command
 * (`bin/speaknode.js`) against a private dockerd where every service of the stack has a container.
 * The target: an answer in under 300 ms. Printed: each run's wall time, the median and the
 * slowest, a bare `node -e ''` start for comparison, and `status()` inside one process (the console's
 * case). Last line: one JSON object.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import { FileSecretStore } from '../secrets/file-secret-store.ts';
import { StackSettings } from '../stack/settings.ts';
import { defineStack } from '../stack/stack.ts';
import { containerName, LABEL_PROJECT, LABEL_SERVICE } from '../supervisor/container-spec.ts';
import { resolveStack } from '../supervisor/resolve.ts';
import { StackSupervisor } from '../supervisor/supervisor.ts';
import { importBusyboxImage, startPrivateEngine } from '../testing/private-engine.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const TARGET_MS = 300;
const BIN = join(import.meta.dirname, '../../bin/speaknode.js');

function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number; stdout: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1, stdout }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x);

const started = await startPrivateEngine();
if (!('engine' in started)) {
  console.log(`bench skipped: ${started.skip}`);
  console.log(JSON.stringify({ bench: 'appliance-status', skipped: started.skip }));
  process.exit(0);
}
const { engine } = started;
const dir = await mkdtemp('/tmp/sn-status-bench-');
try {
  const image = 'speaknode-test/busybox:1';
  await importBusyboxImage(engine.docker, [image]);
  const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' };
  const state = join(dir, 'state');
  const quiet = { write: () => {}, writeErr: (t: string) => process.stderr.write(t), isTTY: false, env };
  const code = await main(
    ['--state-dir', state, '--secret-store', 'file', 'init', '--yes', '--domain', 'bench.example.com'],
    quiet,
  );
  if (code !== 0) throw new Error(`init exited ${code}`);
  // One running container per service of the stack, under the names and labels `status` inspects.
  const settings = StackSettings.parse({ domain: 'bench.example.com' });
  const stack = defineStack(settings);
  for (const service of stack.services) {
    const container = await engine.docker.createContainer({
      name: containerName(stack.project, service.name),
      Image: image,
      Cmd: ['sleep', '3600'],
      Labels: { [LABEL_PROJECT]: stack.project, [LABEL_SERVICE]: service.name },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
  }
  const argv = [BIN, '--state-dir', state, '--docker-host', `unix://${engine.socket}`, '--json', 'status'];
  // The first run fills tsx's transform cache, as the first `status` after an install does.
  const warm = await timed(argv, env);
  const last = JSON.parse(warm.stdout.trim().split('\n').at(-1)!);
  if (warm.code !== 0 || !last.ok) throw new Error(`status failed: ${warm.stdout}`);
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timed(argv, env);
    if (run.code !== 0) throw new Error(`status exited ${run.code}`);
    runs.push(run.ms);
    console.log(`run ${i + 1}: speaknode --json status ${round(run.ms)} ms`);
  }
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) bare.push((await timed(['-e', ''], env)).ms);
  // In one process (the console): the engine round trips alone.
  const secrets = await new FileSecretStore(join(state, 'secrets.json')).getAll();
  const supervisor = new StackSupervisor({
    docker: engine.docker,
    stack: resolveStack(stack, settings.profiles, secrets, join(state, 'config')),
  });
  await supervisor.status();
  const inProcess: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await supervisor.status();
    inProcess.push(performance.now() - t0);
  }
  const result = {
    bench: 'appliance-status',
    services: stack.services.length,
    runs: RUNS,
    firstRunMs: round(warm.ms),
    processMsMedian: round(median(runs)),
    processMsMax: round(Math.max(...runs)),
    bareNodeStartMsMedian: round(median(bare)),
    inProcessMsMedian: round(median(inProcess)),
    targetMs: TARGET_MS,
    withinTarget: median(runs) < TARGET_MS,
    loadAverage1m: loadavg()[0],
  };
  console.log(JSON.stringify(result));
} finally {
  await rm(dir, { recursive: true, force: true });
  await engine.stop();
}
