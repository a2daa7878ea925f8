import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { ZodError } from 'zod';
import { renderCompose } from '../compose/render.ts';
import { validateCompose } from '../compose/validate.ts';
import { buildServiceImages } from '../images/build.ts';
import { installBundledModels } from '../images/bundle-models.ts';
import { listStackImages } from '../images/list.ts';
import { serviceImage, serviceImageTag, stackServiceImages } from '../images/service-images.ts';
import { chooseSecretStore, type SecretStorePreference } from '../secrets/choose-secret-store.ts';
import { parseImageReference } from '../stack/image-source.ts';
import { MissingSecretError } from '../stack/secrets.ts';
import {
  PROVIDER_KEYS,
  type ProviderKey,
  PublicPorts,
  StackSettings,
  type StackSettingsInput,
  TLS_MODES,
} from '../stack/settings.ts';
import { activeServices, defineStack } from '../stack/stack.ts';
import { imageReference, PROFILES, type Profile } from '../stack/types.ts';
import { primaryIpv4 } from '../state/host-address.ts';
import { runInit } from '../state/init.ts';
import { defaultStateDir, NotInitializedError, StateDir, writePrivateFile } from '../state/state-dir.ts';
import { EngineAddressError, engineOptions } from '../supervisor/engine-address.ts';
import { writeBundle } from '../supervisor/images.ts';
import { OperationAborted } from '../supervisor/operation-queue.ts';
import { preflight } from '../supervisor/preflight.ts';
import { resolveStack } from '../supervisor/resolve.ts';
import { StackSupervisor } from '../supervisor/supervisor.ts';
import { ExitCode } from './exit-codes.ts';
import { runFromProcess } from './process.ts';
import { type Output, ProgressPrinter } from './progress.ts';
import { printStatus } from './status-output.ts';
import { planSources, writeStatusPlan } from './status-plan.ts';

const USAGE = `speaknode — set up and run the Speaknode stack on this server

Usage: speaknode [options] <command> [arguments]

Commands:
  doctor                     check the host: engine, CPU/RAM/disk, ports, GPU runtime (each problem with its fix)
  init                       ask for (or take flags for) domain, TLS, ports, GPU, provider keys; generate secrets and config
  pull                       pull every missing third-party image of the stack (per-layer progress)
  up [service…]              create network and volumes, pull or load images, start in dependency order, wait for health
  status                     state, health, restarts, uptime and image of each service
  logs <service>             the service's log (--tail N, --follow)
  restart <service>          restart one service and wait for its health
  down                       stop and remove the containers (--volumes also deletes the data)
  upgrade                    recreate changed services one at a time, rolling back one whose health fails
  compose                    write docker-compose.yml and .env (--out DIR) and validate them with docker-compose
  bundle --out FILE.tar      write the offline image bundle (docker save + checksum manifest; --models DIR
                             adds the models host's folder, its manifest.json included)
  watch                      follow the engine's events: crashes, health changes; restart unhealthy services
  images list                the images the stack needs and whether the engine has them
  images build [name…]       compile our services and build their images on the engine (from a checkout;
                             --base IMAGE replaces the pinned node:20-bookworm-slim)

Options:
  --state-dir DIR            where settings, config files and (headless) secrets live [${'$'}SPEAKNODE_STATE_DIR, /var/lib/speaknode or ~/.speaknode]
  --docker-host URL          unix:///path/docker.sock (or the path), tcp://host:2376 (TLS with DOCKER_TLS_VERIFY=1,
                             DOCKER_CERT_PATH), ssh://user@host [${'$'}DOCKER_HOST]
  --secret-store KIND        auto | keychain | file [auto]
  --json                     machine-readable output: events as JSON lines, the result as the last line
  --health-timeout SECONDS   how long a service may take to become healthy [180]
  --bundle FILE              (up, upgrade) load images from an offline bundle instead of pulling (up also
                             copies its model files into the models host's volume)

init options:
  --domain NAME --tls off|external --gpu | --no-gpu --profile models|lago|langfuse (repeatable)
  --port NAME=N (e.g. --port control=9080) --set KEY=value (provider keys: ${PROVIDER_KEYS.join(', ')})
  --public-ip ADDRESS (what LiveKit announces; unset: this host's primary address) --admin-email ADDRESS --yes (never prompt)
  --registry-mirror HOST[:PORT][/PATH] (third-party images from a mirror) --image SERVICE=IMAGE:TAG (repeatable)

Exit codes: 0 ok, 1 an operation failed, 2 doctor found problems, 64 usage, 69 engine unreachable, 78 not initialised.
`;

class UsageError extends Error {}
class EngineUnavailableError extends Error {}

/** This module's file: the compiled bundle (dist/speaknode.mjs) when run from it. */
const CODE = fileURLToPath(import.meta.url);

/** The checkout `images build` compiles: the folder above this package (src/cli/ or dist/) with the root package.json. */
const REPO_ROOT = (() => {
  for (let dir = import.meta.dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown }).workspaces)
        return dir;
    } catch {
      // no package.json here
    }
  }
  return resolve(import.meta.dirname, '../../..');
})();

async function pingOrExplain(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw new EngineUnavailableError(
      `the Docker Engine does not answer (${(error as Error).message}); start Docker or set --docker-host. \`speaknode doctor\` says more.`,
    );
  }
}

export interface CliIo extends Output {
  /** Interactive prompts read here; absent or not a TTY means no prompts. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  /**
   * Aborts the running command (Ctrl-C: see `runFromProcess`): an operation stops before its next step
   * and the command exits 130; `watch` and `logs --follow` end.
   */
  signal?: AbortSignal;
  /** Told when the command from now on stops cleanly on `signal` (before that, Ctrl-C may just end the process). */
  cancellable?: () => void;
}

function dockerFrom(host: string | undefined, env: NodeJS.ProcessEnv): Docker {
  return new Docker(engineOptions(host, env));
}

/**
 * Runs one command. With --json the last line is always one shape: `{ ok, exitCode, …result }` on
 * success and failure alike (`error` says what failed), after the progress events' lines.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const outcome: { json: boolean; final?: Record<string, unknown> } = { json: false };
  const code = await runCommand(argv, io, outcome);
  if (outcome.json) {
    const { ok: _ok, exitCode: _code, ...rest } = outcome.final ?? {};
    io.write(`${JSON.stringify({ ok: code === ExitCode.ok, exitCode: code, ...rest })}\n`);
  }
  return code;
}

async function runCommand(
  argv: string[],
  io: CliIo,
  outcome: { json: boolean; final?: Record<string, unknown> },
): Promise<number> {
  const line = (text: string) => io.write(`${text}\n`);
  const errorLine = (text: string) => io.writeErr(`${text}\n`);
  let json = false;
  const fail = (code: number, message: string, extra: Record<string, unknown> = {}) => {
    if (json) outcome.final = { error: message, ...extra };
    else errorLine(`speaknode: ${message}`);
    return code;
  };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'state-dir': { type: 'string' },
        'docker-host': { type: 'string' },
        'secret-store': { type: 'string' },
        json: { type: 'boolean', default: false },
        'health-timeout': { type: 'string' },
        bundle: { type: 'string' },
        models: { type: 'string' },
        domain: { type: 'string' },
        tls: { type: 'string' },
        gpu: { type: 'boolean' },
        'no-gpu': { type: 'boolean' },
        profile: { type: 'string', multiple: true },
        port: { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
        'admin-email': { type: 'string' },
        'public-ip': { type: 'string' },
        'registry-mirror': { type: 'string' },
        image: { type: 'string', multiple: true },
        yes: { type: 'boolean', default: false },
        tail: { type: 'string' },
        follow: { type: 'boolean', default: false },
        volumes: { type: 'boolean', default: false },
        out: { type: 'string' },
        base: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json ?? false;
    outcome.json = json;
    const [command, ...args] = positionals;
    if (values.help || !command) {
      io.write(USAGE);
      return values.help ? ExitCode.ok : ExitCode.usage;
    }
    const stateDir = new StateDir(values['state-dir'] ?? defaultStateDir(io.env));
    const preference = (values['secret-store'] ?? io.env.SPEAKNODE_SECRET_STORE ?? 'auto') as SecretStorePreference;
    if (!['auto', 'keychain', 'file'].includes(preference)) {
      throw new UsageError(`--secret-store must be auto, keychain or file (got ${preference})`);
    }
    const healthTimeoutS = values['health-timeout'] ? Number(values['health-timeout']) : 180;
    if (!Number.isFinite(healthTimeoutS) || healthTimeoutS <= 0) {
      throw new UsageError('--health-timeout must be a positive number of seconds');
    }
    const printer = new ProgressPrinter(io, json);
    const result = (data: Record<string, unknown>, human: () => void) => {
      if (json) outcome.final = data;
      else human();
    };

    if (command === 'init') {
      const prompter = new Prompter(io);
      // Closed on every path: an open readline on stdin would keep the process alive.
      try {
        const settings = await initSettings(values, stateDir, io, prompter);
        const providerKeys: Partial<Record<ProviderKey, string>> = {};
        for (const entry of values.set ?? []) {
          const [key, ...rest] = entry.split('=');
          if (!(PROVIDER_KEYS as readonly string[]).includes(key!) || rest.length === 0) {
            throw new UsageError(`--set takes KEY=value with KEY one of ${PROVIDER_KEYS.join(', ')} (got ${entry})`);
          }
          providerKeys[key as ProviderKey] = rest.join('=');
        }
        if (canPrompt(io, values.yes) && Object.keys(providerKeys).length === 0 && !(values.set ?? []).length) {
          for (const key of PROVIDER_KEYS) {
            const answer = await prompter.ask(`${key} (empty to skip; not shown)`, '', { secret: true });
            if (answer) providerKeys[key] = answer;
          }
        }
        const chosen = await chooseSecretStore(stateDir.root, preference, io.env);
        const init = await runInit({ stateDir, settings, secretStore: chosen.store, providerKeys });
        result(
          {
            ok: true,
            stateDir: stateDir.root,
            secretStore: chosen.store.kind,
            secretStoreReason: chosen.reason,
            generated: init.generated,
            providerKeys: init.providerKeys,
            files: init.files,
            ...(init.firstAdmin ? { firstAdmin: init.firstAdmin } : {}),
          },
          () => {
            line(`Speaknode set up for ${init.settings.domain} in ${stateDir.root}`);
            line(
              `  secrets: ${init.generated.length} generated, ${init.kept} kept, in ${init.secretStore} (${chosen.reason})`,
            );
            for (const file of init.files) line(`  wrote ${file}`);
            if (init.firstAdmin) {
              line(
                `  first admin: ${init.firstAdmin.email}, temporary password ${init.firstAdmin.temporaryPassword}` +
                  ' (shown once; it must be changed at the first sign-in to the console)',
              );
            }
            line('Next: `speaknode doctor`, then `speaknode up`.');
          },
        );
        return ExitCode.ok;
      } finally {
        prompter.close();
      }
    }

    if (command === 'images' && args[0] === 'build') {
      // Works before init too: the tags then follow the default settings.
      const settings = StackSettings.parse(
        (await stateDir.readSettings().catch(() => undefined)) ?? { domain: 'localhost' },
      );
      const names = args.slice(1);
      const images = names.length > 0 ? names.map(serviceImage) : stackServiceImages(settings);
      const docker = dockerFrom(values['docker-host'] ?? io.env.DOCKER_HOST, io.env);
      await pingOrExplain(docker);
      const built = await buildServiceImages({
        docker,
        repoRoot: REPO_ROOT,
        images,
        tagOf: (name) => serviceImageTag(settings, name),
        stagingDir: join(tmpdir(), 'speaknode-image-build'),
        base: values.base,
        onEvent: printer.handle,
      });
      result({ ok: true, images: built }, () => {
        for (const image of built) line(`built ${image.tag} in ${(image.durationMs / 1000).toFixed(1)} s`);
      });
      return ExitCode.ok;
    }

    if (command === 'doctor') {
      // Before init too: the host is checked with the default settings' ports and sizes.
      const saved = await stateDir.readSettings().catch((error) => {
        if (error instanceof NotInitializedError) return undefined;
        throw error;
      });
      const settings = saved ?? StackSettings.parse({ domain: 'localhost' });
      const docker = dockerFrom(values['docker-host'] ?? io.env.DOCKER_HOST, io.env);
      const report = await preflight({
        docker,
        stack: { project: settings.project, services: activeServices(defineStack(settings), settings.profiles) },
        gpu: settings.gpu,
        stateDir: stateDir.root,
        initialised: saved !== undefined,
        publicIp: settings.publicIp,
      });
      const secretStore = saved
        ? (await chooseSecretStore(stateDir.root, preference, io.env)).store.location
        : undefined;
      result({ ...report, secretStore }, () => {
        for (const check of report.checks) {
          line(`${!check.ok ? '✗' : check.warning ? '!' : '✓'} ${check.name}: ${check.detail}`);
          if (check.fix) line(`    fix: ${check.fix}`);
        }
        if (secretStore) line(`• secrets: ${secretStore}`);
      });
      if (report.checks.some((c) => c.name === 'engine' && !c.ok)) return ExitCode.engineUnavailable;
      return report.ok ? ExitCode.ok : ExitCode.preflightFailed;
    }

    // Every other command works on an initialised state directory. The files it reads, as they are
    // before reading them (a plan for the fast `status` must not claim a change made meanwhile).
    const planSourcesAtStart = planSources(stateDir.root, CODE);
    planSourcesAtStart.catch(() => {});
    const settings = await stateDir.readSettings();
    const stack = defineStack(settings);
    const secretStore = (await chooseSecretStore(stateDir.root, preference, io.env)).store;
    const secrets = await secretStore.getAll();

    if (command === 'compose') {
      const outDir = resolve(values.out ?? stateDir.root);
      const rendered = renderCompose(stack, settings, secrets, stateDir.configDir);
      const composeFile = join(outDir, 'docker-compose.yml');
      await writePrivateFile(composeFile, rendered.composeYaml);
      await writePrivateFile(join(outDir, '.env'), rendered.envFile);
      const validation = await validateCompose(composeFile, outDir);
      result({ ok: validation.ok !== false, composeFile, envFile: join(outDir, '.env'), validation }, () => {
        line(`wrote ${composeFile} and ${join(outDir, '.env')} (0600, holds the secrets)`);
        if (!validation.validated) line('not validated: neither docker-compose nor `docker compose` is installed');
        else if (validation.ok) line(`validated with ${validation.tool} config`);
        else errorLine(`${validation.tool} config rejects it:\n${validation.output}`);
      });
      return validation.ok === false ? ExitCode.failed : ExitCode.ok;
    }

    const resolved = resolveStack(stack, settings.profiles, secrets, stateDir.configDir);
    // What `speaknode watch` did (restarts, giving up), for `status` in another process.
    const watchJournal = join(stateDir.root, 'watch.json');
    const docker = dockerFrom(values['docker-host'] ?? io.env.DOCKER_HOST, io.env);

    await pingOrExplain(docker);
    const supervisor = new StackSupervisor({
      docker,
      stack: resolved,
      onEvent: printer.handle,
      healthTimeoutMs: healthTimeoutS * 1000,
      watchJournal: watchJournal,
    });
    const signal = io.signal;
    io.cancellable?.();
    /** For the fast `status` (status-fast.ts): what it compares the containers with, and what that was derived from. */
    const rememberPlan = async () => {
      const engine = (docker.modem as { socketPath?: string }).socketPath;
      if (!engine) return;
      try {
        const [services, sources] = await Promise.all([supervisor.expected(), planSourcesAtStart]);
        await writeStatusPlan(stateDir.root, { format: 1, project: resolved.project, engine, services, sources });
      } catch {
        // Only a shortcut: without it `status` takes the full path.
      }
    };
    const serviceArg = () => {
      const name = args[0];
      if (!name) throw new UsageError(`${command} needs a service name`);
      supervisor.service(name);
      return name;
    };

    switch (command) {
      case 'images': {
        if (args[0] !== 'list') throw new UsageError('images takes list or build');
        const images = await listStackImages(docker, resolved.services, settings.imageRegistry);
        result({ ok: true, images }, () => {
          line(`${'IMAGE'.padEnd(56)} ${'PRESENT'.padEnd(8)} ${'SIZE'.padEnd(8)} SERVICES`);
          for (const i of images) {
            const size = i.size !== undefined ? `${Math.round(i.size / 1e6)} MB` : '-';
            line(
              `${i.image.padEnd(56)} ${(i.present ? 'yes' : 'no').padEnd(8)} ${size.padEnd(8)} ${i.services.join(', ')}`,
            );
          }
          const missing = images.filter((i) => !i.present);
          if (missing.some((i) => i.source === 'speaknode')) line('Build ours with `speaknode images build`.');
          if (missing.some((i) => i.source === 'third-party'))
            line('`speaknode up` pulls the others (or loads them with --bundle).');
        });
        return ExitCode.ok;
      }
      case 'pull': {
        const pulled = await supervisor.pull({ ourRegistry: settings.imageRegistry, signal });
        result({ ok: pulled.missing.length === 0, ...pulled }, () => {
          line(`pulled ${pulled.pulled.length} images, ${pulled.present.length} already present`);
          if (pulled.missing.length > 0) {
            errorLine(
              `not on this engine: ${pulled.missing.join(', ')}; build them with \`speaknode images build\` or load the bundle with \`speaknode up --bundle FILE\``,
            );
          }
        });
        return pulled.missing.length === 0 ? ExitCode.ok : ExitCode.failed;
      }
      case 'up': {
        for (const name of args) supervisor.service(name);
        printer.expect(args.length > 0 ? args.length : resolved.services.length);
        // Model files in the bundle go into the models host's volume before it starts.
        const models = values.bundle
          ? await installBundledModels(docker, resolved, values.bundle, printer.handle)
          : { files: 0 };
        const report = await supervisor.up({ bundle: values.bundle, only: args, signal });
        await rememberPlan();
        result({ ...report, ...(models.files > 0 ? { modelFiles: models.files } : {}) }, () => {
          if (models.files > 0) line(`installed ${models.files} model files from the bundle into ${models.volume}`);
          line(report.ok ? `stack up in ${(report.durationMs / 1000).toFixed(1)} s` : 'stack is NOT fully up:');
          for (const s of report.services.filter((s) => s.error)) line(`  ${s.service}: ${s.error}`);
        });
        return report.ok ? ExitCode.ok : ExitCode.failed;
      }
      case 'status': {
        const status = await supervisor.status();
        await rememberPlan();
        result({ ok: true, services: status }, () => printStatus(status, line));
        return ExitCode.ok;
      }
      case 'logs': {
        const name = serviceArg();
        const tail = values.tail ? Number(values.tail) : 100;
        if (!Number.isInteger(tail) || tail < 0) throw new UsageError('--tail must be a whole number');
        if (values.follow) {
          const follow = await supervisor.followLogs(name, { tail });
          const stop = () => follow.stop();
          signal?.addEventListener('abort', stop, { once: true });
          for await (const l of follow.lines) line(json ? JSON.stringify({ log: l }) : l.text);
          signal?.removeEventListener('abort', stop);
          return ExitCode.ok;
        }
        for (const l of await supervisor.logs(name, { tail })) line(json ? JSON.stringify({ log: l }) : l.text);
        return ExitCode.ok;
      }
      case 'restart': {
        const report = await supervisor.restart(serviceArg(), { signal });
        result({ ok: report.outcome !== 'failed', ...report }, () => {
          if (report.error) errorLine(report.error);
        });
        return report.outcome === 'failed' ? ExitCode.failed : ExitCode.ok;
      }
      case 'down': {
        const report = await supervisor.down({ removeVolumes: values.volumes, signal });
        result({ ok: true, ...report, volumesRemoved: values.volumes }, () =>
          line(`removed ${report.removed.length} containers${values.volumes ? ' and the volumes' : '; volumes kept'}`),
        );
        return ExitCode.ok;
      }
      case 'upgrade': {
        const report = await supervisor.upgrade(resolved, { bundle: values.bundle, signal });
        result({ ...report }, () => {
          for (const s of report.services.filter((s) => s.result !== 'unchanged')) {
            line(`  ${s.service}: ${s.result}${s.error ? ` — ${s.error}` : ''}`);
          }
          line(report.ok ? 'upgrade done' : 'upgrade stopped: the service above was rolled back');
        });
        return report.ok ? ExitCode.ok : ExitCode.failed;
      }
      case 'bundle': {
        if (!values.out) throw new UsageError('bundle needs --out FILE.tar');
        // What is missing is pulled first; ours must have been built (`images build`).
        const pulled = await supervisor.pull({ ourRegistry: settings.imageRegistry, signal });
        if (pulled.missing.length > 0) {
          return fail(
            ExitCode.failed,
            `cannot bundle ${pulled.missing.join(', ')}: not on this engine; build them with \`speaknode images build\``,
          );
        }
        if (signal?.aborted) throw new OperationAborted('bundle');
        const images = [...new Set(activeServices(stack, settings.profiles).map((s) => imageReference(s.image)))];
        const manifest = await writeBundle(docker, images, resolve(values.out), {
          ...(values.models ? { modelsDir: resolve(values.models) } : {}),
        });
        const modelFiles = Object.keys(manifest.models?.files ?? {}).length;
        result({ ok: true, ...manifest }, () =>
          line(
            `wrote ${values.out}: ${manifest.images.length} images${modelFiles > 0 ? `, ${modelFiles} model files` : ''}, ${manifest.bytes} bytes, sha256 ${manifest.sha256}`,
          ),
        );
        return ExitCode.ok;
      }
      case 'watch': {
        // Its counts go to the journal that `status` (another process) reads.
        const watcher = await supervisor.watch({ restartUnhealthy: true, journal: watchJournal });
        await new Promise<void>((done) => {
          if (!signal || signal.aborted) done();
          else signal.addEventListener('abort', () => done(), { once: true });
        });
        watcher.dispose();
        await watcher.flushed();
        return ExitCode.ok;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return fail(ExitCode.usage, `${(error as Error).message}\nRun \`speaknode --help\` for usage.`);
    }
    if (error instanceof ZodError)
      return fail(ExitCode.usage, `${settingsProblem(error)}\nRun \`speaknode --help\` for usage.`);
    if (error instanceof EngineAddressError) return fail(ExitCode.usage, error.message);
    if (error instanceof EngineUnavailableError) return fail(ExitCode.engineUnavailable, error.message);
    if (error instanceof OperationAborted) {
      return fail(
        ExitCode.cancelled,
        `${error.operation} cancelled; what it had done stays, and the next \`speaknode ${error.operation.split(' ')[0]}\` takes it from there`,
        { cancelled: error.operation },
      );
    }
    if (error instanceof NotInitializedError || error instanceof MissingSecretError) {
      return fail(ExitCode.notInitialized, (error as Error).message);
    }
    if (/^no (service|image) /.test((error as Error).message ?? ''))
      return fail(ExitCode.usage, (error as Error).message);
    return fail(ExitCode.failed, (error as Error).message);
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

const FLAG_OF: Record<string, string> = {
  domain: '--domain',
  publicIp: '--public-ip',
  adminEmail: '--admin-email',
  tls: '--tls',
  profiles: '--profile',
  ports: '--port',
  registryMirror: '--registry-mirror',
  imageOverrides: '--image',
};

/** A refused setting in one sentence per problem, naming the flag: "--public-ip: Invalid IPv4 address". */
function settingsProblem(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const [head, ...rest] = issue.path.map(String);
      const flag = FLAG_OF[head ?? ''] ?? head ?? 'settings';
      return `${flag}${rest.length > 0 ? ` ${rest.join('.')}` : ''}: ${issue.message}`;
    })
    .join('; ');
}

function canPrompt(io: CliIo, yes: unknown): boolean {
  return !yes && !!io.stdin?.isTTY;
}

/** One readline for the whole of init: answers typed ahead (or piped) are not lost between questions. */
class Prompter {
  private rl: ReturnType<typeof createInterface> | undefined;
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  private ended = false;

  constructor(private readonly io: CliIo) {}

  /**
   * One answer. `secret`: typed without echo (the terminal in raw mode while it is read), so a key
   * never lands on the screen or in a terminal's scrollback.
   */
  async ask(question: string, fallback: string, options: { secret?: boolean } = {}): Promise<string> {
    const stdin = this.io.stdin!;
    const mute = options.secret && stdin.isTTY && typeof stdin.setRawMode === 'function';
    if (mute) stdin.setRawMode!(true);
    try {
      const answer = await this.readAnswer(question, fallback);
      if (!mute) return answer;
      // Raw mode: the terminal neither edits nor signals. Apply backspaces; Ctrl-C still stops.
      if (answer.includes('\u0003')) throw new UsageError('init cancelled');
      let text = '';
      for (const char of answer) text = char === '\u007f' || char === '\b' ? text.slice(0, -1) : text + char;
      return text.trim() || fallback;
    } finally {
      if (mute) {
        stdin.setRawMode!(false);
        this.io.writeErr('\n');
      }
    }
  }

  private async readAnswer(question: string, fallback: string): Promise<string> {
    if (!this.rl) {
      this.rl = createInterface({ input: this.io.stdin!, terminal: false });
      this.rl.on('line', (line) => {
        const waiter = this.waiting.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      });
      this.rl.on('close', () => {
        this.ended = true;
        for (const waiter of this.waiting.splice(0)) waiter('');
      });
    }
    this.io.writeErr(`${question}${fallback ? ` [${fallback}]` : ''}: `);
    // Input that ended answers every further question with its default.
    const line =
      this.lines.shift() ?? (this.ended ? '' : await new Promise<string>((resolve) => this.waiting.push(resolve)));
    return line.trim() || fallback;
  }

  close(): void {
    this.rl?.close();
  }
}

/** Settings from flags, then the previous settings, then prompts (on a terminal) or defaults. */
async function initSettings(
  values: Values,
  stateDir: StateDir,
  io: CliIo,
  prompter: Prompter,
): Promise<StackSettingsInput> {
  const previous = await stateDir.readSettings().catch(() => undefined);
  const prompt = canPrompt(io, values.yes);
  const ask = (_io: CliIo, question: string, fallback: string) => prompter.ask(question, fallback);
  let domain = (values.domain as string | undefined) ?? previous?.domain;
  if (!domain && prompt) domain = await ask(io, 'Domain or host name of this server', 'localhost');
  if (!domain) throw new UsageError('init needs --domain NAME (or run it on a terminal to be asked)');
  let tls = (values.tls as string | undefined) ?? previous?.tls;
  if (!tls && prompt) tls = await ask(io, `TLS (${TLS_MODES.join(' or ')}: a reverse proxy terminates TLS)`, 'off');
  if (tls && !(TLS_MODES as readonly string[]).includes(tls)) {
    throw new UsageError(`--tls must be ${TLS_MODES.join(' or ')} (got ${tls})`);
  }
  let gpu = values.gpu ? true : values['no-gpu'] ? false : previous?.gpu;
  if (gpu === undefined && prompt) gpu = /^y/i.test(await ask(io, 'Use an NVIDIA GPU for the models host? (y/n)', 'n'));
  const profiles = (values.profile as string[] | undefined) ?? previous?.profiles ?? [];
  for (const p of profiles) {
    if (!(PROFILES as readonly string[]).includes(p))
      throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}`);
  }
  const ports: Record<string, number> = { ...(previous?.ports ?? {}) };
  for (const entry of (values.port as string[] | undefined) ?? []) {
    const [name, value] = entry.split('=');
    if (!name || !(name in PublicPorts.shape) || !value || !/^\d+$/.test(value)) {
      throw new UsageError(
        `--port takes NAME=N with NAME one of ${Object.keys(PublicPorts.shape).join(', ')} (got ${entry})`,
      );
    }
    ports[name] = Number(value);
  }
  if (prompt && !values.port && !previous) {
    for (const name of ['control', 'webhooks', 'bridge', 'keycloak', 'livekit'] as const) {
      const fallback = String(PublicPorts.shape[name].parse(undefined));
      const answer = await ask(io, `Public port for ${name}`, fallback);
      if (!/^\d+$/.test(answer)) throw new UsageError(`the port for ${name} must be a number (got ${answer})`);
      ports[name] = Number(answer);
    }
  }
  // Without an address LiveKit asks a STUN server on the internet, which an air-gapped host has not:
  // take this host's primary address unless told otherwise.
  let publicIp = (values['public-ip'] as string | undefined) || previous?.publicIp;
  if (!publicIp) {
    const detected = await primaryIpv4();
    publicIp = prompt
      ? await ask(io, 'IPv4 address browsers and SIP peers reach this server at', detected ?? '')
      : detected;
  }
  const imageOverrides: Record<string, string> = { ...(previous?.imageOverrides ?? {}) };
  const known = defineStack({ domain: 'localhost' }).services.map((service) => service.name);
  for (const entry of (values.image as string[] | undefined) ?? []) {
    const [name, ...rest] = entry.split('=');
    const reference = rest.join('=');
    if (!name || !known.includes(name) || !reference) {
      throw new UsageError(`--image takes SERVICE=IMAGE:TAG with SERVICE one of ${known.join(', ')} (got ${entry})`);
    }
    try {
      parseImageReference(reference);
    } catch (error) {
      throw new UsageError(`--image ${name}: ${(error as Error).message}`);
    }
    imageOverrides[name] = reference;
  }
  const registryMirror = (values['registry-mirror'] as string | undefined) ?? previous?.registryMirror;
  return {
    ...(previous ?? {}),
    ...(publicIp ? { publicIp } : {}),
    ...(registryMirror ? { registryMirror } : {}),
    imageOverrides,
    domain,
    tls: (tls ?? 'off') as StackSettingsInput['tls'],
    gpu: gpu ?? false,
    profiles: (gpu && !profiles.includes('models') ? [...profiles, 'models'] : profiles) as Profile[],
    ports,
    ...(values['admin-email'] ? { adminEmail: values['admin-email'] as string } : {}),
  };
}

const isEntry = import.meta.url === `file://${process.argv[1]}`;
if (isEntry) void runFromProcess(main);
