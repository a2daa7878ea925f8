import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkSecretName, checkSecretValue, type SecretStore } from '@speaknode/appliance';

/** The part of Electron's `safeStorage` the store uses (injected: tests need no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The console's fallback when keytar does not load: the secrets as one JSON document encrypted with
 * Electron's `safeStorage` (the OS keychain's key: Keychain, DPAPI, libsecret/kwallet), in a 0600 file.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly safeStorage: SafeStorageLike,
  ) {}

  get location(): string {
    return `${this.path} (encrypted with Electron safeStorage)`;
  }

  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    return (await this.read())[name];
  }

  getAll(): Promise<Record<string, string>> {
    return this.read();
  }

  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    return this.setAll({ [name]: value });
  }

  async setAll(values: Readonly<Record<string, string>>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      checkSecretName(name);
      checkSecretValue(name, value);
    }
    await this.exclusive(async () => this.write({ ...(await this.read()), ...values }));
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

  private async read(): Promise<Record<string, string>> {
    let data: Buffer;
    try {
      data = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      return JSON.parse(this.safeStorage.decryptString(data)) as Record<string, string>;
    } catch (error) {
      throw new Error(
        `cannot decrypt ${this.path} (${(error as Error).message}): it was written by another user or machine; ` +
          'restore it from that account, or delete it and run the setup again (new secrets, so delete the volumes too)',
      );
    }
  }

  private async write(all: Record<string, string>): Promise<void> {
    if (!this.safeStorage.isEncryptionAvailable()) throw new Error('Electron safeStorage cannot encrypt here');
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(this.safeStorage.encryptString(JSON.stringify(all)));
    } finally {
      await handle.close();
    }
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
