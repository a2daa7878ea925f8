/**
 * `speaknode status` without loading the stack, zod or dockerode: the expected definitions come from
 * the plan the full command wrote (`status-plan.ts`), the containers from the engine's HTTP API on its
 * unix socket, every one inspected at once. This is what answers within 300 ms
 * (`npm run bench:status`). Anything it does not handle — other options, an engine over TCP or SSH,
 * no fresh plan — it leaves to the full command by returning undefined.
 */
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ContainerInspectInfo } from 'dockerode';
import { containerName } from '../supervisor/container-spec.ts';
import { engineOptions } from '../supervisor/engine-address.ts';
import { serviceStatus } from '../supervisor/status.ts';
import { readWatchJournal } from '../supervisor/watch-journal.ts';
import type { CliIo } from './main.ts';

export { guardOutput, processIo } from './process.ts';

import { printStatus } from './status-output.ts';
import { readFreshPlan } from './status-plan.ts';

/** The options this path understands; `status` the only command. */
function parse(argv: readonly string[]): { stateDir?: string; dockerHost?: string; json: boolean } | undefined {
  const out: { stateDir?: string; dockerHost?: string; json: boolean } = { json: false };
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--json') out.json = true;
    else if (flag === '--state-dir') out.stateDir = value();
    else if (flag === '--docker-host') out.dockerHost = value();
    else if (flag === '--secret-store') value();
    else if (!arg.startsWith('-') && command === undefined) command = arg;
    else return undefined;
  }
  return command === 'status' ? out : undefined;
}

/** As `defaultStateDir` in state/state-dir.ts (not imported: it brings the settings schema along). */
function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (env.SPEAKNODE_STATE_DIR) return env.SPEAKNODE_STATE_DIR;
  return process.getuid?.() === 0 ? '/var/lib/speaknode' : join(homedir(), '.speaknode');
}

function inspect(socketPath: string, name: string): Promise<ContainerInspectInfo | undefined> {
  return new Promise((done, fail) => {
    const req = request({ socketPath, path: `/containers/${encodeURIComponent(name)}/json`, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 404) return done(undefined);
        if (res.statusCode !== 200) return fail(new Error(`engine answered ${res.statusCode}: ${body}`));
        try {
          done(JSON.parse(body) as ContainerInspectInfo);
        } catch (error) {
          fail(error as Error);
        }
      });
    });
    req.on('error', fail);
    req.end();
  });
}

/** Answers `status` when it can (the exit code), else undefined: the full command answers. */
export async function fastStatus(argv: readonly string[], io: CliIo, code: string): Promise<number | undefined> {
  const options = parse(argv);
  if (!options) return undefined;
  let socketPath: string | undefined;
  try {
    socketPath = engineOptions(options.dockerHost ?? io.env.DOCKER_HOST, io.env).socketPath as string | undefined;
  } catch {
    return undefined; // the full command says what is wrong with the address
  }
  if (!socketPath) return undefined;
  const stateDir = resolve(options.stateDir ?? defaultStateDir(io.env));
  const plan = await readFreshPlan(stateDir, socketPath, code);
  if (!plan) return undefined;
  let infos: (ContainerInspectInfo | undefined)[];
  try {
    infos = await Promise.all(plan.services.map((s) => inspect(socketPath, containerName(plan.project, s.name))));
  } catch {
    return undefined; // engine down or odd: the full command explains it
  }
  const journal = await readWatchJournal(join(stateDir, 'watch.json'));
  const watched = journal?.project === plan.project ? journal.services : {};
  const now = Date.now();
  const services = plan.services.map((s, i) => serviceStatus(s, infos[i], watched[s.name], now));
  if (options.json) io.write(`${JSON.stringify({ ok: true, exitCode: 0, services })}\n`);
  else printStatus(services, (text) => io.write(`${text}\n`));
  return 0;
}
