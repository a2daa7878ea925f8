import { configFileTemplates } from '../config-files/index.ts';
import type { SecretStore } from '../secrets/secret-store.ts';
import { type GeneratedSecretName, generateMissingSecrets, referencedSecrets } from '../stack/secrets.ts';
import { PROVIDER_KEYS, type ProviderKey, StackSettings, type StackSettingsInput } from '../stack/settings.ts';
import { type StateDir, writeConfigFile } from './state-dir.ts';

export interface InitOptions {
  stateDir: StateDir;
  settings: StackSettingsInput;
  secretStore: SecretStore;
  /** External provider keys given on the command line or at the prompt; empty values are ignored. */
  providerKeys?: Partial<Record<ProviderKey, string>>;
}

export interface InitResult {
  settings: StackSettings;
  generated: GeneratedSecretName[];
  kept: number;
  providerKeys: ProviderKey[];
  files: string[];
  secretStore: string;
  /**
   * The person who signs in first (Keycloak realm user), with the temporary password to show once:
   * set only on the run that generated it (Keycloak imports the realm at its first start only).
   */
  firstAdmin?: { email: string; temporaryPassword: string };
}

/**
 * Generates what is missing and (re)writes every config file. Running it again keeps existing
 * secrets, so the stack's volumes (initialised with the old passwords) keep working.
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const settings = StackSettings.parse(options.settings);
  const existing = await options.secretStore.getAll();
  const { secrets, generated } = generateMissingSecrets(existing);
  const providerKeys: ProviderKey[] = [];
  for (const key of PROVIDER_KEYS) {
    const value = options.providerKeys?.[key]?.trim();
    if (value) {
      secrets[key] = value;
      providerKeys.push(key);
    }
  }
  const changed = Object.fromEntries([...generated, ...providerKeys].map((name) => [name, secrets[name]!] as const));
  if (Object.keys(changed).length > 0) await options.secretStore.setAll(changed);

  const files: string[] = [];
  for (const [name, content] of Object.entries(configFileTemplates(settings))) {
    // Config files are readable by every container user, so none may hold a secret.
    const named = referencedSecrets(content);
    if (named.length > 0) throw new Error(`config file ${name} would hold secrets (${named.join(', ')})`);
    const path = options.stateDir.configPath(name);
    await writeConfigFile(path, content);
    files.push(path);
  }
  await options.stateDir.writeSettings(settings);
  files.push(options.stateDir.settingsPath);
  return {
    settings,
    generated,
    kept: Object.keys(existing).length,
    providerKeys,
    files,
    secretStore: options.secretStore.location,
    ...(generated.includes('KEYCLOAK_FIRST_ADMIN_PASSWORD')
      ? { firstAdmin: { email: settings.adminEmail, temporaryPassword: secrets.KEYCLOAK_FIRST_ADMIN_PASSWORD! } }
      : {}),
  };
}
