import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeytar } from '../secrets/keytar-secret-store.ts';

export interface RunningKeyring {
  child: ChildProcess;
  home: string;
  /** Ends the session's process group and removes its home. */
  stop(): Promise<void>;
}

/**
 * A private D-Bus session with an unlocked gnome-keyring (Secret Service), for one test file:
 * sets `DBUS_SESSION_BUS_ADDRESS` in this process so keytar talks to it;
 * `dbus-run-session` runs a shell that prints the bus address and keeps gnome-keyring-daemon in the
 * foreground, all in one process group that `stop()` ends.
 */
export async function startKeyring(): Promise<RunningKeyring | { skip: string }> {
  for (const tool of ['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return { skip: `${tool} is not installed (apt-get install dbus gnome-keyring)` };
    }
  }
  try {
    await loadKeytar();
  } catch (error) {
    return { skip: `keytar's native module does not load: ${(error as Error).message}` };
  }
  const home = await mkdtemp(join(tmpdir(), 'sn-keyring-'));
  await mkdir(join(home, 'run'), { mode: 0o700 });
  const child = spawn(
    'dbus-run-session',
    [
      '--',
      'sh',
      '-c',
      // Announce the bus only once the unlocked keyring owns org.freedesktop.secrets: a client that asks
      // earlier makes D-Bus activate a second, locked keyring.
      [
        'echo test-keyring-password | gnome-keyring-daemon --foreground --unlock --components=secrets &',
        'i=0; until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus ' +
          'org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true; do',
        '  i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1',
        'done',
        'echo "ADDRESS=$DBUS_SESSION_BUS_ADDRESS"',
        'wait',
      ].join('\n'),
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: join(home, 'run') },
    },
  );
  const address = await new Promise<string | undefined>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(undefined), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ADDRESS=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', () => resolve(undefined));
  });
  if (!address) {
    stop(child);
    await rm(home, { recursive: true, force: true });
    return { skip: 'dbus-run-session did not start a session bus' };
  }
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  // The keyring registers on the bus shortly after start; a read proves it answers and is unlocked.
  const keytar = await loadKeytar();
  for (let i = 0; i < 50; i++) {
    try {
      await keytar.setPassword('speaknode-probe', 'probe', 'x');
      await keytar.deletePassword('speaknode-probe', 'probe');
      return {
        child,
        home,
        async stop() {
          stop(child);
          await rm(home, { recursive: true, force: true });
        },
      };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  stop(child);
  await rm(home, { recursive: true, force: true });
  return { skip: 'gnome-keyring-daemon did not answer on the private session bus' };
}

function stop(child: ChildProcess) {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
