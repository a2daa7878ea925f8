/**
 * The real agent worker, as a process (the way `npm start` and the stack run it), for tests of what
 * control does together with it: text sessions through control. It is started from its package's
 * entry point, never imported: services talk over HTTP only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const agentPackage = fileURLToPath(new URL('../../../agent/', import.meta.url));

export interface AgentWorkerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM drains (open sessions end and are reported); SIGKILL is a crash. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** A port nobody listens on right now (the worker must be told it before control starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startAgentWorker(env: Record<string, string>): Promise<AgentWorkerProcess> {
  const main = (JSON.parse(readFileSync(`${agentPackage}package.json`, 'utf8')) as { speaknode: { main: string } })
    .speaknode.main;
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: agentPackage,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (child.exitCode !== null) throw new Error(`the agent worker exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the agent worker did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
