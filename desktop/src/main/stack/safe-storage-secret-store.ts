import { FileSecretStore } from '@speaknode/appliance';

/** The part of Electron's `safeStorage` the store uses (injected: tests need no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The console's fallback when keytar does not load: the appliance's 0600 secrets file (its atomic
 * writes, one at a time, the owner-only check), with the JSON document encrypted by Electron's
 * `safeStorage` (the OS keychain's key: Keychain, DPAPI, libsecret/kwallet).
 */
export class SafeStorageSecretStore extends FileSecretStore {
  constructor(
    path: string,
    private readonly safeStorage: SafeStorageLike,
  ) {
    super(path);
  }

  override get location(): string {
    return `${this.path} (encrypted with Electron safeStorage)`;
  }

  protected override encode(json: string): Buffer {
    if (!this.safeStorage.isEncryptionAvailable()) throw new Error('Electron safeStorage cannot encrypt here');
    return this.safeStorage.encryptString(json);
  }

  protected override decode(data: Buffer): string {
    try {
      return this.safeStorage.decryptString(data);
    } catch (error) {
      throw new Error(
        `cannot decrypt ${this.path} (${(error as Error).message}): it was written by another user or machine; ` +
          'restore it from that account, or delete it and run the setup again (new secrets, so delete the volumes too)',
      );
    }
  }
}
