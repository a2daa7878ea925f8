import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { primaryIpv4 } from '../state/host-address.ts';
import { ExitCode } from './exit-codes.ts';
import { main } from './main.ts';

async function run(argv: string[], stdin?: NodeJS.ReadableStream & { isTTY?: boolean }) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    write: (t) => {
      stdout += t;
    },
    writeErr: (t) => {
      stderr += t;
    },
    isTTY: false,
    stdin,
    env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: '' },
  });
  return { code, stdout, stderr, last: () => JSON.parse(stdout.trim().split('\n').at(-1)!) };
}

describe('speaknode CLI as a process', () => {
  const bin = join(import.meta.dirname, '../../bin/speaknode.js');
  const entries = [
    ['the installed command (bin/speaknode.js)', [bin]],
    ['main.ts run directly', ['--import', 'tsx', join(import.meta.dirname, 'main.ts')]],
  ] as const;
  for (const [name, command] of entries) {
    it(`${name} ends quietly when the reader of its output goes away (\`speaknode status | head -1\`)`, async () => {
      const child = spawn(process.execPath, [...command, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.destroy();
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
      });
      const [code] = (await once(child, 'exit')) as [number];
      expect(stderr).not.toMatch(/EPIPE|Error/);
      expect(code).toBe(0);
    }, 30_000);
  }

  it('a piped `| head -1` gets the first line and the pipeline succeeds', () => {
    const piped = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" --help | head -1`], {
      encoding: 'utf8',
    });
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe('speaknode — set up and run the Speaknode stack on this server\n');
  }, 30_000);
});

describe('speaknode CLI', () => {
  let dir: string;
  let state: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sn-cli-'));
    state = ['--state-dir', join(dir, 'state')];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('prints usage and exits 64 without a command or with an unknown one', async () => {
    const none = await run([]);
    expect(none.code).toBe(ExitCode.usage);
    expect(none.stdout).toContain('Usage: speaknode');
    expect((await run(['frobnicate', ...state])).code).toBe(ExitCode.notInitialized);
    expect((await run(['--bogus'])).code).toBe(ExitCode.usage);
    expect((await run(['--help'])).code).toBe(ExitCode.ok);
  });

  it('says to run init first (exit 78) before anything else', async () => {
    const status = await run([...state, '--json', 'status']);
    expect(status.code).toBe(ExitCode.notInitialized);
    expect(status.last()).toMatchObject({ ok: false, exitCode: 78 });
    expect(status.last().error).toMatch(/run `speaknode init` first/);
  });

  it('init --json writes settings and secrets (0600) and config files without secrets (0644) into the state dir', async () => {
    const init = await run([
      ...state,
      '--json',
      'init',
      '--yes',
      '--domain',
      'voice.example.com',
      '--tls',
      'external',
      '--gpu',
      '--port',
      'control=9080',
      '--set',
      'OPENAI_API_KEY=sk-test',
    ]);
    expect(init.code, init.stderr).toBe(ExitCode.ok);
    const result = init.last();
    expect(result).toMatchObject({ ok: true, secretStore: 'file', providerKeys: ['OPENAI_API_KEY'] });
    expect(result.generated).toContain('LIVEKIT_API_SECRET');
    for (const file of result.files as string[]) {
      expect((await stat(file)).mode & 0o777, file).toBe(file.endsWith('settings.json') ? 0o600 : 0o644);
    }
    expect((await stat(join(dir, 'state', 'secrets.json'))).mode & 0o777).toBe(0o600);
    // The first admin's temporary password is given once, on the run that made it.
    expect(result.firstAdmin).toEqual({ email: 'admin@example.com', temporaryPassword: expect.any(String) });
    const again = await run([...state, '--json', 'init', '--yes']);
    expect(again.code).toBe(ExitCode.ok);
    expect(again.last().generated).toEqual([]);
    expect(again.last()).not.toHaveProperty('firstAdmin');
  });

  it('init on a terminal asks for domain, TLS, GPU, ports and provider keys', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    // domain, TLS, GPU, five ports (Enter keeps one), public IP, four provider keys (Enter skips).
    stdin.end(
      [
        ...['voice.example.com', 'external', 'n'],
        ...['9080', '', '9082', '8181', '7890'],
        '192.0.2.10',
        ...['sk-typed', '', '', 'tw-token'],
      ].join('\n'),
    );
    const init = await run([...state, 'init'], stdin);
    expect(init.code, init.stderr).toBe(ExitCode.ok);
    expect(init.stderr).toContain('Domain or host name of this server');
    expect(init.stderr).toContain('Public port for control [8080]');
    const settings = JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8'));
    expect(settings).toMatchObject({
      domain: 'voice.example.com',
      tls: 'external',
      gpu: false,
      publicIp: '192.0.2.10',
    });
    expect(settings.ports).toMatchObject({
      control: 9080,
      webhooks: 8081,
      bridge: 9082,
      keycloak: 8181,
      livekit: 7890,
    });
    const secrets = JSON.parse(await readFile(join(dir, 'state', 'secrets.json'), 'utf8'));
    expect(secrets.OPENAI_API_KEY).toBe('sk-typed');
    expect(secrets.TWILIO_AUTH_TOKEN).toBe('tw-token');
    expect(secrets).not.toHaveProperty('DEEPGRAM_API_KEY');
  });

  it('init reads provider keys without echo (the terminal in raw mode), and only those', async () => {
    const modes: boolean[] = [];
    const asked: string[] = [];
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (raw: boolean) => {
        modes.push(raw);
        asked.push(raw ? 'raw' : 'cooked');
      },
    });
    // Raw mode delivers Enter as \r and a backspace as DEL (0x7f).
    stdin.end(
      [
        ...['voice.example.com', 'off', 'n', '', '', '', '', '', '192.0.2.10'],
        'sk-typx\u007fed\r',
        '\r',
        '\r',
        '\r',
      ].join('\n'),
    );
    const init = await run([...state, 'init'], stdin);
    expect(init.code, init.stderr).toBe(ExitCode.ok);
    // Four key questions, each in raw mode and back.
    expect(modes).toEqual([true, false, true, false, true, false, true, false]);
    expect(init.stderr).toContain('OPENAI_API_KEY (empty to skip; not shown)');
    const secrets = JSON.parse(await readFile(join(dir, 'state', 'secrets.json'), 'utf8'));
    expect(secrets.OPENAI_API_KEY).toBe('sk-typed');
    expect(init.stdout + init.stderr).not.toContain('sk-typ');
  });

  it('init takes defaults for every question once the input ends', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end('short.example.com\n');
    const init = await run([...state, '--json', 'init'], stdin);
    expect(init.code, init.stderr).toBe(ExitCode.ok);
    const settings = JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8'));
    expect(settings).toMatchObject({ domain: 'short.example.com', tls: 'off', gpu: false });
    expect(settings.ports.control).toBe(8080);
    // The address question defaults to this host's primary address.
    const detected = await primaryIpv4();
    if (detected) expect(settings.publicIp).toBe(detected);
    else expect(settings).not.toHaveProperty('publicIp');
  });

  it('rejects bad init flags with exit 64 and says what is allowed', async () => {
    const tls = await run([...state, 'init', '--yes', '--domain', 'a.example.com', '--tls', 'maybe']);
    expect(tls.code).toBe(ExitCode.usage);
    expect(tls.stderr).toMatch(/--tls must be off or external/);
    const set = await run([...state, 'init', '--yes', '--domain', 'a.example.com', '--set', 'AWS_KEY=x']);
    expect(set.code).toBe(ExitCode.usage);
    expect(set.stderr).toMatch(/--set takes KEY=value with KEY one of OPENAI_API_KEY/);
    const port = await run([...state, 'init', '--yes', '--domain', 'a.example.com', '--port', 'control=http']);
    expect(port.code).toBe(ExitCode.usage);
    expect((await run([...state, 'init', '--yes'])).stderr).toMatch(/init needs --domain/);
  });

  it('doctor and up exit 69 with the fix when the engine does not answer', async () => {
    await run([...state, 'init', '--yes', '--domain', 'voice.example.com']);
    const host = ['--docker-host', `unix://${join(dir, 'no-such.sock')}`];
    const doctor = await run([...state, ...host, '--json', 'doctor']);
    expect(doctor.code).toBe(ExitCode.engineUnavailable);
    expect(doctor.last().checks[0]).toMatchObject({ name: 'engine', ok: false });
    expect(doctor.last().checks[0].fix).toMatch(/start Docker/);
    const up = await run([...state, ...host, 'up']);
    expect(up.code).toBe(ExitCode.engineUnavailable);
    expect(up.stderr).toMatch(/the Docker Engine does not answer/);
  });

  it('init takes a registry mirror and per-service images, and refuses an unknown service or an unpinned image', async () => {
    const init = await run([
      ...state,
      'init',
      '--yes',
      '--domain',
      'voice.example.com',
      '--registry-mirror',
      'mirror.local:5000',
      '--image',
      'redis=registry.local/redis:7.4.1',
    ]);
    expect(init.code, init.stderr).toBe(ExitCode.ok);
    const settings = JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8'));
    expect(settings).toMatchObject({
      registryMirror: 'mirror.local:5000',
      imageOverrides: { redis: 'registry.local/redis:7.4.1' },
    });
    const unknown = await run([...state, 'init', '--yes', '--image', 'reddis=registry.local/redis:7']);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toMatch(/--image takes SERVICE=IMAGE:TAG with SERVICE one of postgres, redis/);
    const unpinned = await run([...state, 'init', '--yes', '--image', 'redis=registry.local/redis']);
    expect(unpinned.code).toBe(ExitCode.usage);
    expect(unpinned.stderr).toMatch(/--image redis: registry\.local\/redis is not pinned/);
    const mirror = await run([...state, 'init', '--yes', '--registry-mirror', 'https://mirror.local']);
    expect(mirror.code).toBe(ExitCode.usage);
    expect(mirror.stderr).toMatch(/--registry-mirror: a registry host/);
  });

  it('ends --json output with one shape, on success and on failure: { ok, exitCode, … }', async () => {
    const failed = await run([...state, '--json', 'status']);
    expect(failed.last()).toMatchObject({ ok: false, exitCode: ExitCode.notInitialized, error: expect.any(String) });
    const done = await run([...state, '--json', 'init', '--yes', '--domain', 'voice.example.com']);
    expect(done.last()).toMatchObject({ ok: true, exitCode: ExitCode.ok, stateDir: join(dir, 'state') });
    const usage = await run([...state, '--json', 'init', '--yes', '--port', 'control=http']);
    expect(usage.last()).toMatchObject({ ok: false, exitCode: ExitCode.usage });
  });

  it('refuses a bad --domain or --public-ip with exit 64 and one sentence naming the flag', async () => {
    const bad = await run([...state, 'init', '--yes', '--domain', 'not a host!', '--public-ip', '300.1.2.3']);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toMatch(
      /^speaknode: --domain: a host name such as voice\.example\.com; --public-ip: Invalid IPv4/,
    );
    expect(bad.stderr).not.toContain('"code"');
  });

  it('init without --public-ip takes the host address, so LiveKit needs no STUN server', async () => {
    await run([...state, 'init', '--yes', '--domain', 'voice.example.com']);
    const settings = JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8'));
    const livekit = await readFile(join(dir, 'state', 'config', 'livekit.yaml'), 'utf8');
    if (settings.publicIp) expect(livekit).toContain(`node_ip: ${settings.publicIp}`);
    else expect(livekit).toContain('use_external_ip: true');
  });

  it('doctor checks the host before init and reports every check, not only the first failure', async () => {
    const host = ['--docker-host', `unix://${join(dir, 'no-such.sock')}`];
    const doctor = await run([...state, ...host, '--json', 'doctor']);
    expect(doctor.code).toBe(ExitCode.engineUnavailable);
    const checks = doctor.last().checks as { name: string; ok: boolean; detail: string; fix?: string }[];
    const names = checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['init', 'engine', 'cpu', 'memory', 'ports']));
    expect(names.some((n) => n.startsWith('disk '))).toBe(true);
    expect(checks.find((c) => c.name === 'init')).toMatchObject({
      ok: false,
      fix: expect.stringMatching(/speaknode init --domain/),
    });
    // Measured here since the engine does not answer, and the 4-CPU services are explained.
    expect(checks.find((c) => c.name === 'cpu')!.detail).toMatch(/on this machine \(the engine did not answer\)/);
    // Every fix names flags that exist.
    for (const check of checks) expect(check.fix ?? '').not.toMatch(/--port-/);
  });

  it('doctor warns that LiveKit needs a STUN server when no public address is set', async () => {
    await run([...state, 'init', '--yes', '--domain', 'voice.example.com', '--public-ip', '']);
    const host = ['--docker-host', `unix://${join(dir, 'no-such.sock')}`];
    const settings = JSON.parse(await readFile(join(dir, 'state', 'settings.json'), 'utf8'));
    const doctor = await run([...state, ...host, '--json', 'doctor']);
    const address = (doctor.last().checks as { name: string; ok: boolean; warning?: boolean }[]).find(
      (c) => c.name === 'public address',
    );
    if (settings.publicIp) expect(address).toMatchObject({ ok: true });
    else expect(address).toMatchObject({ ok: true, warning: true, fix: expect.stringMatching(/--public-ip/) });
  });

  it('compose writes docker-compose.yml and a 0600 .env', async () => {
    await run([...state, 'init', '--yes', '--domain', 'voice.example.com']);
    const out = join(dir, 'compose');
    const compose = await run([...state, '--json', 'compose', '--out', out]);
    expect(compose.code, compose.stdout).toBe(ExitCode.ok);
    expect((await stat(join(out, '.env'))).mode & 0o777).toBe(0o600);
    const validation = compose.last().validation;
    if (validation.validated) expect(validation.ok).toBe(true);
  }, 60_000);
});
