import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkSecretName, checkSecretValue, type SecretStore } from './secret-store.ts';

/**
 * Secrets in one JSON file readable only by its owner (0600, directory 0700). Writes go to a
 * temporary 0600 file that replaces the old one, so a crash never leaves half a file; one write at a
 * time. A subclass may keep the document encoded (the desktop console's `SafeStorageSecretStore`
 * encrypts it with Electron's `safeStorage`) by overriding `encode` and `decode`.
 */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  get location(): string {
    return this.path;
  }

  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    return (await this.read())[name];
  }

  async getAll(): Promise<Record<string, string>> {
    return this.read();
  }

  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    await this.setAll({ [name]: value });
  }

  async setAll(values: Readonly<Record<string, string>>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      checkSecretName(name);
      checkSecretValue(name, value);
    }
    return this.exclusive(async () => {
      await this.write({ ...(await this.read()), ...values });
    });
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    return this.exclusive(async () => {
      const all = await this.read();
      if (!(name in all)) return false;
      delete all[name];
      await this.write(all);
      return true;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The JSON document as it is written to disk (here: as is). */
  protected encode(json: string): string | Uint8Array {
    return json;
  }

  /** The file's bytes back to the JSON document; throws with what to do when it cannot. */
  protected decode(data: Buffer): string {
    return data.toString('utf8');
  }

  private async read(): Promise<Record<string, string>> {
    let data: Buffer;
    try {
      const info = await stat(this.path);
      if ((info.mode & 0o077) !== 0) {
        throw new Error(
          `the secrets file ${this.path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); ` +
            `run \`chmod 600 ${this.path}\` and check who has read it`,
        );
      }
      data = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const text = this.decode(data);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(
        `the secrets file ${this.path} is not valid JSON; restore it from a backup or remove it and run init`,
      );
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`the secrets file ${this.path} must hold a JSON object of name → value`);
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') throw new Error(`the secrets file ${this.path}: ${name} is not a string`);
      out[name] = value;
    }
    return out;
  }

  private async write(values: Record<string, string>): Promise<void> {
    const encoded = this.encode(`${JSON.stringify(values, null, 2)}\n`);
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(encoded);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
