import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { LABEL_PROJECT, LABEL_SERVICE } from '../container-spec.ts';

/**
 * An in-memory Docker Engine for the supervisor's unit tests: the calls the reconciler, the upgrader,
 * the health waiter and the watcher make (containers, networks, volumes, images, events), with
 * containers whose behaviour a test chooses per service. Real engine behaviour is covered by the
 * integration tests against a private dockerd; this one makes the decisions of each part testable
 * without one.
 */
/** `hang`: runs, and its health check never answers (health stays `starting`). */
export type Behaviour = 'healthy' | 'unhealthy' | 'exit0' | 'exit1' | 'hang';

interface FakeContainer {
  Id: string;
  Name: string;
  spec: Docker.ContainerCreateOptions;
  State: {
    Status: string;
    Running: boolean;
    Restarting: boolean;
    ExitCode: number;
    StartedAt: string;
    Health?: { Status: string; Log: { Start: string; End: string; ExitCode: number; Output: string }[] };
  };
  RestartCount: number;
  logs: string[];
}

const notFound = (what: string) => Object.assign(new Error(`no such ${what}`), { statusCode: 404 });

export class FakeEngine {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Set<string>();
  readonly volumes = new Set<string>();
  readonly images = new Set<string>();
  /** Every call, in order: `create web`, `start web`, `stop web`, … (by service label). */
  readonly calls: string[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly streams = new Set<PassThrough>();
  private nextId = 1;
  /** How many event streams were opened. */
  eventStreams = 0;

  constructor(readonly host = { NCPU: 2, MemTotal: 8 * 1024 ** 3 }) {}

  behave(service: string, behaviour: Behaviour): void {
    this.behaviours.set(service, behaviour);
  }

  /** The container of `service` (by label), if any. */
  byService(service: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.spec.Labels?.[LABEL_SERVICE] === service);
  }

  byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.Name === name);
  }

  /** Stops a container as `docker kill` does: no restart by the policy. */
  kill(service: string): void {
    const c = this.byService(service)!;
    this.exit(c, 137);
  }

  /** Ends every open event stream, as an engine restart would. */
  dropEvents(): void {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  private event(c: FakeContainer, action: string, extra: Record<string, string> = {}) {
    const line = JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: c.Id, Attributes: { ...c.spec.Labels, name: c.Name, ...extra } },
    });
    for (const s of this.streams) s.write(`${line}\n`);
  }

  private find(nameOrId: string): FakeContainer {
    const c = this.containers.get(nameOrId) ?? [...this.containers.values()].find((x) => x.Name === nameOrId);
    if (!c) throw notFound(`container: ${nameOrId}`);
    return c;
  }

  private label(c: FakeContainer) {
    return c.spec.Labels?.[LABEL_SERVICE] ?? c.Name;
  }

  private run(c: FakeContainer) {
    const now = new Date().toISOString();
    const behaviour = this.behaviours.get(this.label(c)) ?? (c.spec.Healthcheck ? 'healthy' : 'hang');
    c.State = { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: now };
    c.logs.push(`${this.label(c)} started`);
    this.event(c, 'start');
    if (behaviour === 'exit0' || behaviour === 'exit1') {
      this.exit(c, behaviour === 'exit0' ? 0 : 1);
      return;
    }
    if (c.spec.Healthcheck && behaviour === 'hang') {
      c.State.Health = { Status: 'starting', Log: [] };
    } else if (c.spec.Healthcheck) {
      const ok = behaviour === 'healthy';
      c.State.Health = {
        Status: ok ? 'healthy' : 'unhealthy',
        Log: [{ Start: now, End: now, ExitCode: ok ? 0 : 1, Output: ok ? '' : 'connection refused' }],
      };
      this.event(c, `health_status: ${c.State.Health.Status}`);
    }
  }

  private exit(c: FakeContainer, code: number) {
    c.State = { ...c.State, Status: 'exited', Running: false, ExitCode: code, Health: undefined };
    this.event(c, 'die', { exitCode: String(code) });
  }

  private client: Docker | undefined;

  /** The subset of dockerode's client the supervisor uses (one object: shared event streams key on it). */
  get docker(): Docker {
    this.client ??= this.makeClient();
    return this.client;
  }

  private makeClient(): Docker {
    const engine = this;
    const container = (nameOrId: string) => ({
      get id() {
        return engine.find(nameOrId).Id;
      },
      async inspect() {
        const c = engine.find(nameOrId);
        return structuredClone({
          Id: c.Id,
          Name: `/${c.Name}`,
          State: c.State,
          RestartCount: c.RestartCount,
          Config: { Image: c.spec.Image, Labels: c.spec.Labels },
        });
      },
      async start() {
        const c = engine.find(nameOrId);
        if (c.State.Running) throw Object.assign(new Error('already started'), { statusCode: 304 });
        engine.calls.push(`start ${engine.label(c)}`);
        engine.run(c);
      },
      async stop() {
        const c = engine.find(nameOrId);
        if (!c.State.Running) throw Object.assign(new Error('not running'), { statusCode: 304 });
        engine.calls.push(`stop ${engine.label(c)}`);
        engine.exit(c, 0);
      },
      async restart() {
        const c = engine.find(nameOrId);
        engine.calls.push(`restart ${engine.label(c)}`);
        if (c.State.Running) engine.exit(c, 0);
        engine.run(c);
      },
      async remove() {
        const c = engine.find(nameOrId);
        engine.calls.push(`remove ${engine.label(c)}`);
        engine.containers.delete(c.Id);
      },
      async rename({ name }: { name: string }) {
        const c = engine.find(nameOrId);
        if ([...engine.containers.values()].some((x) => x.Name === name)) {
          throw Object.assign(new Error('name in use'), { statusCode: 409 });
        }
        c.Name = name;
      },
      async logs() {
        const c = engine.find(nameOrId);
        // The engine's multiplexed format: an 8-byte header per frame.
        const payload = Buffer.from(`${c.logs.join('\n')}\n`);
        const header = Buffer.alloc(8);
        header[0] = 1;
        header.writeUInt32BE(payload.length, 4);
        return Buffer.concat([header, payload]);
      },
    });
    return {
      async info() {
        return engine.host;
      },
      async ping() {
        return 'OK';
      },
      async listNetworks({ filters }: { filters?: { name?: string[] } } = {}) {
        return [...engine.networks].filter((n) => !filters?.name || filters.name.includes(n)).map((Name) => ({ Name }));
      },
      async createNetwork({ Name }: { Name: string }) {
        engine.networks.add(Name);
      },
      getNetwork(name: string) {
        return {
          async remove() {
            if (!engine.networks.delete(name)) throw notFound(`network: ${name}`);
          },
          async connect() {},
        };
      },
      getVolume(name: string) {
        return {
          async inspect() {
            if (!engine.volumes.has(name)) throw notFound(`volume: ${name}`);
            return { Name: name };
          },
          async remove() {
            engine.volumes.delete(name);
          },
        };
      },
      async createVolume({ Name }: { Name: string }) {
        engine.volumes.add(Name);
      },
      async listVolumes() {
        return { Volumes: [...engine.volumes].map((Name) => ({ Name })) };
      },
      getImage(reference: string) {
        return {
          async inspect() {
            if (!engine.images.has(reference)) throw notFound(`image: ${reference}`);
            return { Id: reference };
          },
        };
      },
      async createContainer(spec: Docker.ContainerCreateOptions & { name: string }) {
        if (!engine.images.has(spec.Image!)) throw notFound(`image: ${spec.Image}`);
        if ([...engine.containers.values()].some((x) => x.Name === spec.name)) {
          throw Object.assign(new Error('name in use'), { statusCode: 409 });
        }
        const c: FakeContainer = {
          Id: `c${engine.nextId++}`,
          Name: spec.name,
          spec,
          State: {
            Status: 'created',
            Running: false,
            Restarting: false,
            ExitCode: 0,
            StartedAt: '0001-01-01T00:00:00Z',
          },
          RestartCount: 0,
          logs: [],
        };
        engine.containers.set(c.Id, c);
        engine.calls.push(`create ${engine.label(c)}`);
        return container(c.Id);
      },
      getContainer: container,
      async listContainers({ filters }: { filters?: { label?: string[] } } = {}) {
        const [label] = filters?.label ?? [];
        const project = label?.startsWith(`${LABEL_PROJECT}=`) ? label.slice(LABEL_PROJECT.length + 1) : undefined;
        return [...engine.containers.values()]
          .filter((c) => !project || c.spec.Labels?.[LABEL_PROJECT] === project)
          .map((c) => ({ Id: c.Id, Names: [`/${c.Name}`], Labels: c.spec.Labels ?? {} }));
      },
      async getEvents() {
        const stream = new PassThrough();
        engine.streams.add(stream);
        engine.eventStreams++;
        stream.on('close', () => engine.streams.delete(stream));
        return stream;
      },
    } as unknown as Docker;
  }
}
