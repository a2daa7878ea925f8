import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { StackSettings } from '../stack/settings.ts';

/** The state directory: `settings.json`, `config/` (files the stack mounts), `secrets.json` for the file store. */
export class StateDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get settingsPath(): string {
    return join(this.root, 'settings.json');
  }

  get configDir(): string {
    return join(this.root, 'config');
  }

  configPath(file: string): string {
    return join(this.configDir, file);
  }

  async readSettings(): Promise<StackSettings> {
    let text: string;
    try {
      text = await readFile(this.settingsPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotInitializedError(this.root);
      throw error;
    }
    const parsed = StackSettings.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(
        `${this.settingsPath} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Run \`speaknode init\` again.`,
      );
    }
    return parsed.data;
  }

  async writeSettings(settings: StackSettings): Promise<void> {
    await writePrivateFile(this.settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  }
}

export class NotInitializedError extends Error {
  constructor(readonly stateDir: string) {
    super(`no Speaknode stack is set up in ${stateDir}: run \`speaknode init\` first (or pass --state-dir)`);
    this.name = 'NotInitializedError';
  }
}

/** The default: `$SPEAKNODE_STATE_DIR`, else `/var/lib/speaknode` for root, else `~/.speaknode`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPEAKNODE_STATE_DIR) return env.SPEAKNODE_STATE_DIR;
  return process.getuid?.() === 0 ? '/var/lib/speaknode' : join(homedir(), '.speaknode');
}

/**
 * Writes a file only its owner (the user running `speaknode`) can read (0600; the directory 0700),
 * atomically.
 */
export function writePrivateFile(path: string, content: string): Promise<void> {
  return writeFileAtomically(path, content, 0o600);
}

/**
 * Writes a file that holds no secret, readable by everyone (0644), atomically: the stack's config
 * files, which containers read as their own users (the state directory stays 0700; the engine
 * mounts the file itself).
 */
export function writeConfigFile(path: string, content: string): Promise<void> {
  return writeFileAtomically(path, content, 0o644);
}

async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  await chmod(temporary, mode);
  await rename(temporary, path);
}
