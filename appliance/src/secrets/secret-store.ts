/** Where the stack's secrets live: the OS keychain on desktops, a 0600 file on headless servers. */
export interface SecretStore {
  readonly kind: 'keychain' | 'file';
  /** Where, in words, for messages (`the OS keychain (service speaknode:…)`, a file path). */
  readonly location: string;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Every secret, by name. */
  getAll(): Promise<Record<string, string>>;
  /** Sets many at once (one write for the file store). */
  setAll(values: Readonly<Record<string, string>>): Promise<void>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

export function checkSecretName(name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`invalid secret name ${JSON.stringify(name)}: use letters, digits, _ . - (at most 128)`);
  }
}

export function checkSecretValue(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${name} must be a non-empty string`);
  if (value.length > 16_384) throw new Error(`secret ${name} is longer than 16384 characters`);
}
