/**
 * The console's hold on the appliance: one engine connection, one supervisor, one subscription to
 * the engine's event stream (the appliance's `StackWatcher`), the log follows and the long operations
 * with their AbortControllers. Plain Node (no Electron): the IPC handlers and the WebSocket test
 * transport both call it. What it learns it pushes as `StackPush` messages.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  activeServices,
  type ChosenSecretStore,
  chooseSecretStore,
  containerName,
  defineStack,
  EngineAddressError,
  engineOptions,
  imageReference,
  loadBundle,
  MissingSecretError,
  NotInitializedError,
  OperationAborted,
  PROVIDER_KEYS,
  type PreflightStack,
  type ProviderKey,
  PublicPorts,
  preflight,
  publicUrls,
  type ResolvedStack,
  resolveStack,
  runInit,
  type StackEvent,
  StackSettings,
  StackSupervisor,
  StackWatcher,
  StateDir,
  verifyBundle,
} from '@speaknode/appliance';
import Docker from 'dockerode';
import { ZodError } from 'zod';
import type {
  BundleInfo,
  DoctorReport,
  InitAnswer,
  InitRequest,
  LogLine,
  SecretStoreInfo,
  ServiceReport,
  ServiceStats,
  StackPush,
  StackSettingsView,
  StackStatus,
  UpgradePlan,
  UpgradeReport,
  UpReport,
} from '../../shared/stack-ipc.ts';
import { IpcRefusal } from '../ipc-handlers.ts';

export interface SecretStoreChoice extends ChosenSecretStore {
  label: SecretStoreInfo['kind'];
}

export interface StackHostOptions {
  stateDir: string;
  /** As the docker CLI takes it; default `$DOCKER_HOST`, else the local socket. */
  engineAddress?: string;
  env?: NodeJS.ProcessEnv;
  push: (message: StackPush) => void;
  /** Default: the appliance's choice (keytar, else the 0600 file). Electron main adds safeStorage. */
  secretStore?: (stateDir: string) => Promise<SecretStoreChoice>;
  /**
   * The stack for these settings. Default: the appliance's definition (`defineStack`) with the
   * secrets filled in. Tests give stand-in services here.
   */
  stack?: (settings: StackSettings, secrets: Record<string, string>, configDir: string) => ResolvedStack;
  healthTimeoutMs?: number;
  pollIntervalMs?: number;
  /** The watcher also restarts what crashes or turns unhealthy (default false: the dashboard shows it, a person restarts). */
  autoRestart?: boolean;
}

interface Operation {
  id: string;
  name: string;
  controller: AbortController;
  startedAt?: number;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

export class StackHost {
  private engineAddress: string;
  private docker: Docker | undefined;
  private engineProblem: string | undefined;
  private supervisor: StackSupervisor | undefined;
  private watcher: StackWatcher | undefined;
  private readonly stateDir: StateDir;
  private readonly env: NodeJS.ProcessEnv;
  private readonly operations: Operation[] = [];
  private readonly follows = new Map<string, { stop(): void }>();
  private readonly statsStreams = new Map<string, Readable>();
  private readonly latestStats = new Map<string, ServiceStats>();
  private statsTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private chosenStore: SecretStoreChoice | undefined;
  private disposed = false;

  constructor(private readonly options: StackHostOptions) {
    this.env = options.env ?? process.env;
    this.stateDir = new StateDir(options.stateDir);
    this.engineAddress = options.engineAddress ?? this.env.DOCKER_HOST ?? DEFAULT_SOCKET;
  }

  // ---- engine ---------------------------------------------------------------------------------

  /** (Re)connects to an engine: pings it, and when the stack is set up, opens the supervisor and the event watch. */
  async connect(address: string = this.engineAddress): Promise<StackStatus> {
    if (this.operations.length > 0) {
      throw new IpcRefusal(
        `${this.operations[0]!.name} is running: cancel it or wait for it before changing the engine`,
        'busy',
      );
    }
    let docker: Docker;
    try {
      docker = new Docker(engineOptions(address, this.env));
    } catch (error) {
      if (error instanceof EngineAddressError) throw new IpcRefusal(error.message, 'bad_engine_address');
      throw error;
    }
    this.closeEngine();
    this.engineAddress = address;
    this.docker = docker;
    try {
      await docker.ping();
      this.engineProblem = undefined;
    } catch (error) {
      this.engineProblem = engineMessage(address, error);
    }
    if (!this.engineProblem) await this.openSupervisor().catch(() => {});
    const status = await this.status();
    this.options.push({ kind: 'status', status });
    return status;
  }

  private closeEngine(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    this.supervisor = undefined;
    for (const follow of this.follows.values()) follow.stop();
    this.follows.clear();
    this.closeStats();
  }

  private async engine(): Promise<Docker> {
    if (!this.docker) await this.connect();
    if (this.engineProblem) {
      // A repaired engine (Docker started meanwhile) is picked up here.
      try {
        await this.docker!.ping();
        this.engineProblem = undefined;
      } catch (error) {
        this.engineProblem = engineMessage(this.engineAddress, error);
        throw new IpcRefusal(this.engineProblem, 'engine_unavailable');
      }
    }
    return this.docker!;
  }

  // ---- settings, secrets ------------------------------------------------------------------------

  private async secretStore(): Promise<SecretStoreChoice> {
    this.chosenStore ??= await (this.options.secretStore
      ? this.options.secretStore(this.stateDir.root)
      : chooseSecretStore(this.stateDir.root, 'auto', this.env).then((c) => ({
          ...c,
          label: c.store.kind,
        })));
    return this.chosenStore!;
  }

  private async storeInfo(): Promise<SecretStoreInfo> {
    const chosen = await this.secretStore();
    return { kind: chosen.label, location: chosen.store.location, reason: chosen.reason };
  }

  private async savedSettings(): Promise<StackSettings | undefined> {
    try {
      return await this.stateDir.readSettings();
    } catch (error) {
      if (error instanceof NotInitializedError) return undefined;
      throw error;
    }
  }

  private async resolved(): Promise<ResolvedStack> {
    const settings = await this.stateDir.readSettings();
    const secrets = await (await this.secretStore()).store.getAll();
    if (this.options.stack) return this.options.stack(settings, secrets, this.stateDir.configDir);
    return resolveStack(defineStack(settings), settings.profiles, secrets, this.stateDir.configDir);
  }

  private async openSupervisor(): Promise<StackSupervisor> {
    if (this.supervisor && !this.engineProblem) return this.supervisor;
    const docker = await this.engine();
    const stack = await this.resolved();
    this.watcher?.dispose();
    this.supervisor = new StackSupervisor({
      docker,
      stack,
      onEvent: (event) => this.onSupervisorEvent(event),
      healthTimeoutMs: this.options.healthTimeoutMs,
      pollIntervalMs: this.options.pollIntervalMs,
    });
    // The one subscription to the engine's events: crashes and health changes refresh the dashboard.
    this.watcher = await new StackWatcher({
      docker,
      stack,
      restartUnhealthy: this.options.autoRestart ?? false,
      onEvent: (event) => {
        this.options.push({ kind: 'event', event, at: Date.now() });
        this.refreshStatus();
      },
    }).start();
    return this.supervisor;
  }

  private async requireSupervisor(): Promise<StackSupervisor> {
    try {
      return await this.openSupervisor();
    } catch (error) {
      throw explain(error);
    }
  }

  private onSupervisorEvent(event: StackEvent): void {
    this.options.push({ kind: 'event', operation: this.operations[0]?.id, event, at: Date.now() });
    if (event.type === 'service') this.refreshStatus();
  }

  async settings(): Promise<StackSettingsView> {
    const saved = await this.savedSettings();
    const settings = saved ?? StackSettings.parse({ domain: 'localhost' });
    const secrets = saved ? await (await this.secretStore()).store.getAll() : {};
    return {
      initialised: saved !== undefined,
      settings: {
        domain: saved ? settings.domain : '',
        tls: settings.tls,
        gpu: settings.gpu,
        publicIp: settings.publicIp,
        adminEmail: settings.adminEmail,
        ports: { ...settings.ports },
      },
      defaultPorts: { ...PublicPorts.parse({}) },
      providerKeys: Object.fromEntries(PROVIDER_KEYS.map((key) => [key, !!secrets[key]])) as Record<
        ProviderKey,
        boolean
      >,
      project: this.options.stack
        ? this.options.stack(settings, {}, this.stateDir.configDir).project
        : settings.project,
      ...(saved ? { controlUrl: publicUrls(saved).control } : {}),
      secretStore: saved ? await this.storeInfo() : undefined,
    };
  }

  async doctor(): Promise<DoctorReport> {
    const saved = await this.savedSettings();
    const settings = saved ?? StackSettings.parse({ domain: 'localhost' });
    if (!this.docker) await this.connect();
    const stack: PreflightStack = this.options.stack
      ? this.options.stack(settings, {}, this.stateDir.configDir)
      : { project: settings.project, services: activeServices(defineStack(settings), settings.profiles) };
    const report = await preflight({
      docker: this.docker!,
      stack,
      gpu: settings.gpu,
      stateDir: this.stateDir.root,
      initialised: saved !== undefined,
      publicIp: settings.publicIp,
    });
    // The appliance's fixes name CLI commands; in the console the same step is a page.
    const checks = report.checks.map((check) => ({
      ...check,
      fix: check.fix?.replace(/run `speaknode init[^`]*`/, 'fill in the Settings step of this wizard (it runs init)'),
    }));
    return {
      ok: report.ok,
      checks,
      initialised: saved !== undefined,
      engine: this.engineAddress,
      secretStore: await this.storeInfo().catch(() => undefined),
    };
  }

  async init(request: InitRequest): Promise<InitAnswer> {
    if (this.operations.length > 0) {
      throw new IpcRefusal(`${this.operations[0]!.name} is running: wait for it before changing the settings`, 'busy');
    }
    const form = request?.settings;
    if (!form || typeof form !== 'object') throw new IpcRefusal('init needs the settings', 'invalid_settings');
    const saved = await this.savedSettings();
    const providerKeys: Partial<Record<ProviderKey, string>> = {};
    for (const [key, value] of Object.entries(request.providerKeys ?? {})) {
      if (!(PROVIDER_KEYS as readonly string[]).includes(key)) {
        throw new IpcRefusal(`unknown provider key ${key}: one of ${PROVIDER_KEYS.join(', ')}`, 'invalid_settings');
      }
      if (typeof value === 'string' && value.trim()) providerKeys[key as ProviderKey] = value;
    }
    const profiles = new Set(saved?.profiles ?? []);
    if (form.gpu) profiles.add('models');
    else profiles.delete('models');
    const input = {
      ...(saved ?? {}),
      domain: form.domain,
      tls: form.tls,
      gpu: form.gpu,
      profiles: [...profiles],
      ...(form.publicIp ? { publicIp: form.publicIp } : { publicIp: undefined }),
      ...(form.adminEmail ? { adminEmail: form.adminEmail } : {}),
      ports: { ...(saved?.ports ?? {}), ...(form.ports ?? {}) },
    };
    try {
      const chosen = await this.secretStore();
      const result = await runInit({
        stateDir: this.stateDir,
        settings: input,
        secretStore: chosen.store,
        providerKeys,
      });
      // New settings: the next operation resolves the stack again.
      this.supervisor = undefined;
      if (this.docker && !this.engineProblem) await this.openSupervisor().catch(() => {});
      this.refreshStatus();
      return {
        generated: result.generated.length,
        kept: result.kept,
        providerKeys: result.providerKeys,
        files: result.files,
        secretStore: await this.storeInfo(),
        controlUrl: publicUrls(result.settings).control,
        ...(result.firstAdmin ? { firstAdmin: result.firstAdmin } : {}),
      };
    } catch (error) {
      throw explain(error);
    }
  }

  // ---- operations -------------------------------------------------------------------------------

  private async operation<T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const op: Operation = { id: randomUUID(), name, controller: new AbortController() };
    this.operations.push(op);
    this.options.push({ kind: 'operation', id: op.id, name, state: 'started', at: Date.now() });
    op.startedAt = Date.now();
    try {
      const result = await work(op.controller.signal);
      this.options.push({ kind: 'operation', id: op.id, name, state: 'done', at: Date.now() });
      return result;
    } catch (error) {
      const refusal = explain(error);
      this.options.push({
        kind: 'operation',
        id: op.id,
        name,
        state: refusal.code === 'cancelled' ? 'cancelled' : 'failed',
        error: refusal.message,
        at: Date.now(),
      });
      throw refusal;
    } finally {
      this.operations.splice(this.operations.indexOf(op), 1);
      this.refreshStatus();
    }
  }

  async up(options: { bundle?: string } = {}): Promise<UpReport> {
    const supervisor = await this.requireSupervisor();
    return this.operation('up', async (signal) => {
      const report = await supervisor.up({ bundle: options?.bundle, signal });
      // The supervisor reports a cancelled wait as that service failing: the console says cancelled.
      if (signal.aborted) throw new OperationAborted('up');
      return { ...report, services: report.services.map(withPortHint) };
    });
  }

  async restart(service: string): Promise<ServiceReport> {
    const supervisor = await this.requireSupervisor();
    checkService(supervisor, service);
    return this.operation(`restart ${service}`, (signal) => supervisor.restart(service, { signal }));
  }

  async upgradePlan(): Promise<UpgradePlan> {
    const supervisor = await this.requireSupervisor();
    const next = await this.resolved().catch((error) => {
      throw explain(error);
    });
    // A supervisor on the next definition, only to compare: `current` says whether a container matches it.
    const probe = new StackSupervisor({ docker: supervisor.docker, stack: next });
    const status = await probe.status();
    return {
      changes: next.services.map((service) => {
        const to = imageReference(service.image);
        const now = status.find((s) => s.service === service.name);
        if (!now || now.state === 'missing') return { service: service.name, from: '', to, change: 'new' as const };
        if (now.image !== to) return { service: service.name, from: now.image, to, change: 'image' as const };
        return {
          service: service.name,
          from: now.image,
          to,
          change: now.current ? ('none' as const) : ('definition' as const),
        };
      }),
    };
  }

  async upgrade(options: { bundle?: string } = {}): Promise<UpgradeReport> {
    const supervisor = await this.requireSupervisor();
    const next = await this.resolved().catch((error) => {
      throw explain(error);
    });
    return this.operation('upgrade', async (signal) => {
      const report = await supervisor.upgrade(next, { bundle: options?.bundle, signal });
      if (signal.aborted) throw new OperationAborted('upgrade');
      return report;
    });
  }

  async down(options: {
    removeVolumes: boolean;
    confirm?: string;
  }): Promise<{ removed: string[]; volumesRemoved: boolean }> {
    const supervisor = await this.requireSupervisor();
    const removeVolumes = options?.removeVolumes === true;
    if (removeVolumes && options.confirm !== supervisor.stack.project) {
      throw new IpcRefusal(
        `deleting the volumes deletes every database and recording: type the stack's name (${supervisor.stack.project}) to confirm`,
        'confirm_needed',
      );
    }
    for (const follow of this.follows.values()) follow.stop();
    const result = await this.operation('down', (signal) => supervisor.down({ removeVolumes, signal }));
    return { removed: result.removed, volumesRemoved: removeVolumes };
  }

  async verifyBundle(path: string): Promise<BundleInfo> {
    if (typeof path !== 'string' || !path)
      throw new IpcRefusal('choose the bundle file (.tar or its .json)', 'bad_bundle');
    try {
      const { manifest } = await verifyBundle(path);
      return { images: manifest.images, bytes: manifest.bytes, sha256: manifest.sha256 };
    } catch (error) {
      throw new IpcRefusal((error as Error).message, 'bad_bundle');
    }
  }

  async loadBundle(path: string): Promise<BundleInfo> {
    const docker = await this.engine();
    await this.verifyBundle(path);
    return this.operation('bundle load', async () => {
      try {
        const manifest = await loadBundle(docker, path, (event) =>
          this.options.push({ kind: 'event', operation: this.operations[0]?.id, event, at: Date.now() }),
        );
        return { images: manifest.images, bytes: manifest.bytes, sha256: manifest.sha256 };
      } catch (error) {
        throw new IpcRefusal((error as Error).message, 'bad_bundle');
      }
    });
  }

  cancel(operationId?: string): { cancelled: string[] } {
    const cancelled: string[] = [];
    for (const op of this.operations) {
      if (operationId && op.id !== operationId) continue;
      op.controller.abort();
      cancelled.push(op.id);
    }
    return { cancelled };
  }

  // ---- status, stats, logs ---------------------------------------------------------------------

  async status(): Promise<StackStatus> {
    const saved = await this.savedSettings().catch(() => undefined);
    const base: StackStatus = {
      project: this.supervisor?.stack.project ?? saved?.project ?? 'speaknode',
      engine: { address: this.engineAddress, ok: !this.engineProblem && !!this.docker, error: this.engineProblem },
      initialised: saved !== undefined,
      services: [],
      operations: this.operations.map((op) => ({ id: op.id, name: op.name, startedAt: op.startedAt })),
      at: Date.now(),
    };
    if (!this.docker) return base;
    if (this.engineProblem || !saved) return base;
    try {
      const supervisor = await this.openSupervisor();
      const services = await supervisor.status();
      this.trackStats(services.filter((s) => s.state === 'running').map((s) => s.service));
      return { ...base, project: supervisor.stack.project, services, at: Date.now() };
    } catch (error) {
      return { ...base, engine: { ...base.engine, ok: false, error: explain(error).message } };
    }
  }

  /** Re-reads the status and pushes it; calls that arrive meanwhile make one more read, not one each. */
  refreshStatus(): void {
    if (this.disposed) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const status = await this.status().catch(() => undefined);
        if (status && !this.disposed) this.options.push({ kind: 'status', status });
      } while (this.refreshAgain && !this.disposed);
    })().finally(() => {
      this.refreshing = undefined;
    });
  }

  /** Keeps one `docker stats` stream per running service; their samples are pushed once a second. */
  private trackStats(running: string[]): void {
    const supervisor = this.supervisor;
    if (!supervisor || this.disposed) return;
    for (const [service, stream] of this.statsStreams) {
      if (!running.includes(service)) {
        stream.destroy();
        this.statsStreams.delete(service);
        this.latestStats.delete(service);
      }
    }
    for (const service of running) {
      if (this.statsStreams.has(service)) continue;
      const container = supervisor.docker.getContainer(containerName(supervisor.stack.project, service));
      // Reserved now, so a second refresh meanwhile does not open another stream.
      const placeholder = { destroy() {} } as unknown as Readable;
      this.statsStreams.set(service, placeholder);
      void (container.stats({ stream: true }) as unknown as Promise<Readable>).then(
        (stream) => {
          if (this.statsStreams.get(service) !== placeholder) {
            stream.destroy();
            return;
          }
          this.statsStreams.set(service, stream);
          let buffer = '';
          stream.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('utf8');
            for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
              const line = buffer.slice(0, i);
              buffer = buffer.slice(i + 1);
              const sample = parseStats(service, line);
              if (sample) this.latestStats.set(service, sample);
            }
          });
          stream.on('error', () => {});
          stream.on('close', () => {
            if (this.statsStreams.get(service) === stream) this.statsStreams.delete(service);
          });
        },
        () => {
          if (this.statsStreams.get(service) === placeholder) this.statsStreams.delete(service);
        },
      );
    }
    this.statsTimer ??= setInterval(() => {
      if (this.latestStats.size > 0) {
        this.options.push({ kind: 'stats', stats: [...this.latestStats.values()], at: Date.now() });
      }
    }, 1000);
    this.statsTimer.unref?.();
  }

  private closeStats(): void {
    for (const stream of this.statsStreams.values()) stream.destroy();
    this.statsStreams.clear();
    this.latestStats.clear();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }

  async logs(service: string, tail = 200): Promise<LogLine[]> {
    const supervisor = await this.requireSupervisor();
    checkService(supervisor, service);
    try {
      return await supervisor.logs(service, { tail: clampTail(tail) });
    } catch (error) {
      throw explain(error);
    }
  }

  /** Follows a service's log; lines arrive as `log` pushes, batched (at most every 50 ms). */
  async followLogs(service: string, tail = 200): Promise<{ followId: string }> {
    const supervisor = await this.requireSupervisor();
    checkService(supervisor, service);
    let follow: Awaited<ReturnType<StackSupervisor['followLogs']>>;
    try {
      follow = await supervisor.followLogs(service, { tail: clampTail(tail) });
    } catch (error) {
      throw explain(error);
    }
    const followId = randomUUID();
    this.follows.set(followId, follow);
    let batch: LogLine[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      if (batch.length === 0) return;
      this.options.push({ kind: 'log', followId, lines: batch });
      batch = [];
    };
    void (async () => {
      try {
        for await (const line of follow.lines) {
          batch.push(line);
          if (batch.length >= 500) flush();
          else timer ??= setTimeout(flush, 50);
        }
      } catch {
        // The container went away: the follow ends.
      } finally {
        if (timer) clearTimeout(timer);
        flush();
        this.follows.delete(followId);
        this.options.push({ kind: 'log', followId, lines: [], ended: true });
      }
    })();
    return { followId };
  }

  stopLogs(followId: string): { stopped: boolean } {
    const follow = this.follows.get(followId);
    follow?.stop();
    this.follows.delete(followId);
    return { stopped: !!follow };
  }

  /** Cancels what runs, stops the follows, the stats and the event watch. */
  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.closeEngine();
  }
}

function checkService(supervisor: StackSupervisor, service: string): void {
  if (typeof service !== 'string' || !supervisor.stack.services.some((s) => s.name === service)) {
    throw new IpcRefusal(
      `no service ${String(service)} in this stack; services: ${supervisor.stack.services.map((s) => s.name).join(', ')}`,
      'unknown_service',
    );
  }
}

function clampTail(tail: unknown): number {
  const n = Number(tail ?? 200);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 10_000) : 200;
}

function parseStats(service: string, line: string): ServiceStats | undefined {
  try {
    const s = JSON.parse(line) as {
      cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
      precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
      memory_stats?: { usage?: number; limit?: number; stats?: { inactive_file?: number; cache?: number } };
    };
    const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus ?? 1;
    const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
    return {
      service,
      cpuPercent: systemDelta > 0 && cpuDelta >= 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0,
      memoryBytes: Math.max(0, (s.memory_stats?.usage ?? 0) - cache),
      memoryLimitBytes: s.memory_stats?.limit,
    };
  } catch {
    return undefined;
  }
}

const PORT_TAKEN = /address already in use|port is already allocated|bind for .* failed/i;

function withPortHint(report: ServiceReport): ServiceReport {
  if (!report.error || !PORT_TAKEN.test(report.error)) return report;
  return {
    ...report,
    error: `${report.error}\nA port this service publishes is taken: stop what listens there, or choose another port in Settings; then Install again.`,
  };
}

function engineMessage(address: string, error: unknown): string {
  return (
    `the Docker Engine at ${address} does not answer (${(error as Error).message}): start Docker, ` +
    'or enter the address of a running engine (unix:///var/run/docker.sock, tcp://HOST:2376, ssh://USER@HOST) and connect again'
  );
}

/** Any failure as an `IpcRefusal` with a code and a sentence that says what to do next. */
export function explain(error: unknown): IpcRefusal {
  if (error instanceof IpcRefusal) return error;
  if (error instanceof OperationAborted) {
    return new IpcRefusal(
      `${error.message}: what was already created stays; run it again to finish (it repairs what is half done)`,
      'cancelled',
    );
  }
  if (error instanceof NotInitializedError || error instanceof MissingSecretError) {
    return new IpcRefusal(
      `the stack is not set up yet (${(error as Error).message.replace(/: run `speaknode init`.*$/, '')}): fill in the Settings step of the setup wizard`,
      'not_initialised',
    );
  }
  if (error instanceof EngineAddressError) return new IpcRefusal(error.message, 'bad_engine_address');
  if (error instanceof ZodError) {
    return new IpcRefusal(
      error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`).join('; '),
      'invalid_settings',
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'EHOSTUNREACH') {
    return new IpcRefusal(engineMessage('the configured address', error), 'engine_unavailable');
  }
  return new IpcRefusal((error as Error)?.message ?? String(error), 'failed');
}
