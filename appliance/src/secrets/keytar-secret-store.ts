import { checkSecretName, checkSecretValue, type SecretStore } from './secret-store.ts';

type Keytar = typeof import('keytar');

/** Loads keytar's native module; fails with the reason when it is not built or cannot load. */
export async function loadKeytar(): Promise<Keytar> {
  const module = (await import('keytar')) as Keytar & { default?: Keytar };
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
