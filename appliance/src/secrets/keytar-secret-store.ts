import { checkSecretName, checkSecretValue, type SecretStore } from './secret-store.ts';

/**
 * The part of keytar's API the store uses. keytar is an optional dependency (its native build needs
 * libsecret and a compiler on Linux, and `npm install` goes on without it), so nothing here may
 * depend on it being installed, not even its types.
 */
export interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** Loads keytar's native module on first use; fails with the reason when it is absent or cannot load. */
export async function loadKeytar(): Promise<Keytar> {
  let module: Keytar & { default?: Keytar };
  try {
    // A variable specifier keeps bundlers and the type checker from requiring the optional package.
    const name = 'keytar';
    module = (await import(name)) as Keytar & { default?: Keytar };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(
        'keytar is not installed (an optional dependency: on Linux its native build needs libsecret-1-dev and a C++ compiler; install them and run npm install again)',
      );
    }
    throw new Error(`keytar is installed but its native module does not load: ${(error as Error).message}`);
  }
  return module.default ?? module;
}

/** Secrets in the OS keychain (libsecret / Keychain / Credential Vault) through keytar, one entry per name. */
export class KeytarSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;

  constructor(
    private readonly keytar: Keytar,
    /** The keychain "service"; one per state directory so two stacks on one desktop never mix. */
    readonly service: string,
  ) {}

  get location(): string {
    return `the OS keychain (service ${this.service})`;
  }

  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    return (await this.keytar.getPassword(this.service, name)) ?? undefined;
  }

  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    checkSecretValue(name, value);
    await this.keytar.setPassword(this.service, name, value);
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    return this.keytar.deletePassword(this.service, name);
  }

  async getAll(): Promise<Record<string, string>> {
    const entries = await this.keytar.findCredentials(this.service);
    return Object.fromEntries(entries.map((e) => [e.account, e.password]));
  }

  async setAll(values: Readonly<Record<string, string>>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      checkSecretName(name);
      checkSecretValue(name, value);
    }
    for (const [name, value] of Object.entries(values)) await this.keytar.setPassword(this.service, name, value);
  }
}
