/**
 * The Stack half of the IPC contract (`stack:*`): what main answers about the appliance it supervises
 * (doctor, init, up, status, logs, restart, upgrade, down, bundle) and what it pushes while it works
 * (`StackPush` on the `stack:events` channel): main, preload, renderer and the WebSocket test
 * transport share them. What main returns as the appliance's supervisor reports it (service status,
 * preflight checks, up and upgrade reports, log lines) is the appliance's own types, from its
 * Node-free `@speaknode/appliance/reports`, as is the list of provider keys the wizard asks for; the
 * rest are the console's shapes.
 */
import {
  type LogLine,
  PROVIDER_KEYS,
  type PreflightCheck,
  type ProviderKey,
  type ServiceReport,
  type ServiceStatus,
  type UpgradeReport,
  type UpReport,
} from '@speaknode/appliance/reports';
import type { StackEvent } from '@speaknode/contracts';

export type { LogLine, PreflightCheck, ServiceReport, ServiceStatus, StackEvent, UpgradeReport, UpReport };
export { PROVIDER_KEYS, type ProviderKey };

export interface SecretStoreInfo {
  kind: 'keychain' | 'file' | 'safe-storage';
  /** Where, in words. */
  location: string;
  /** Why this one (keytar loaded, or why not). */
  reason: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: PreflightCheck[];
  initialised: boolean;
  engine: string;
  secretStore?: SecretStoreInfo;
}

/** What the wizard's settings step edits (the appliance's `StackSettingsInput`, the fields the console shows). */
export interface StackSettingsForm {
  domain: string;
  tls: 'off' | 'external';
  gpu: boolean;
  publicIp?: string;
  adminEmail?: string;
  ports?: Record<string, number>;
}

export interface StackSettingsView {
  initialised: boolean;
  settings: StackSettingsForm;
  /** Default ports by name (`PublicPorts`). */
  defaultPorts: Record<string, number>;
  /** Which provider keys are stored; their values never leave main. */
  providerKeys: Record<ProviderKey, boolean>;
  project: string;
  /** The stack's control URL, once set up. */
  controlUrl?: string;
  secretStore?: SecretStoreInfo;
}

export interface InitRequest {
  settings: StackSettingsForm;
  /** Empty strings are ignored (a stored key is kept). */
  providerKeys?: Partial<Record<ProviderKey, string>>;
}

export interface InitAnswer {
  generated: number;
  kept: number;
  providerKeys: ProviderKey[];
  files: string[];
  secretStore: SecretStoreInfo;
  /** Where the stack's control API (and the admin console, at `/console/`) is reached. */
  controlUrl: string;
  /**
   * The first admin (a Keycloak realm user) and the temporary password to show once: only in the
   * answer of the init that generated it (Keycloak imports the realm at its first start; it asks for
   * a new password at the first sign-in). Main keeps no copy outside the secret store.
   */
  firstAdmin?: { email: string; temporaryPassword: string };
}

export interface ServiceStats {
  service: string;
  /** Percent of one CPU (100 = one core busy). */
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes?: number;
}

export interface StackStatus {
  project: string;
  engine: { address: string; ok: boolean; error?: string };
  initialised: boolean;
  services: ServiceStatus[];
  /** The operation running now and those waiting (one at a time). */
  operations: { id: string; name: string; startedAt?: number }[];
  /** When main read it (ms since the epoch). */
  at: number;
}

export interface UpgradePlan {
  changes: { service: string; from: string; to: string; change: 'image' | 'definition' | 'new' | 'none' }[];
}

export interface BundleInfo {
  images: string[];
  bytes: number;
  sha256: string;
}

/** What main pushes on `stack:events`; `at` is main's clock (ms since the epoch). */
export type StackPush =
  | { kind: 'event'; operation?: string; event: StackEvent; at: number }
  | { kind: 'status'; status: StackStatus }
  | { kind: 'stats'; stats: ServiceStats[]; at: number }
  | { kind: 'log'; followId: string; lines: LogLine[]; ended?: boolean }
  | {
      kind: 'operation';
      id: string;
      name: string;
      state: 'started' | 'done' | 'failed' | 'cancelled';
      error?: string;
      at: number;
    };

export interface StackContract {
  /** Which engine to supervise: a socket path, `unix://`, `tcp://` (TLS as DOCKER_TLS_VERIFY says) or `ssh://`. */
  'stack:connect': { args: [address: string]; result: StackStatus };
  'stack:doctor': { args: []; result: DoctorReport };
  'stack:settings': { args: []; result: StackSettingsView };
  'stack:init': { args: [request: InitRequest]; result: InitAnswer };
  /** Resolves when up ends; progress arrives meanwhile as `StackPush` events tagged with the operation. */
  'stack:up': { args: [options?: { bundle?: string }]; result: UpReport };
  'stack:status': { args: []; result: StackStatus };
  'stack:logs': { args: [service: string, tail?: number]; result: LogLine[] };
  'stack:logs:follow': { args: [service: string, tail?: number]; result: { followId: string } };
  'stack:logs:stop': { args: [followId: string]; result: { stopped: boolean } };
  'stack:restart': { args: [service: string]; result: ServiceReport };
  'stack:upgrade:plan': { args: []; result: UpgradePlan };
  'stack:upgrade': { args: [options?: { bundle?: string }]; result: UpgradeReport };
  /** Deleting the volumes needs `confirm` to be the stack's name. */
  'stack:down': {
    args: [options: { removeVolumes: boolean; confirm?: string }];
    result: { removed: string[]; volumesRemoved: boolean };
  };
  /** The OS file chooser (main's `dialog.showOpenDialog`) for a bundle's tarball or manifest; no path when cancelled. */
  'stack:bundle:choose': { args: []; result: { path?: string } };
  'stack:bundle:verify': { args: [path: string]; result: BundleInfo };
  'stack:bundle:load': { args: [path: string]; result: BundleInfo };
  /** Cancels the running and waiting operations (or the one named). */
  'stack:cancel': { args: [operationId?: string]; result: { cancelled: string[] } };
}

export const STACK_CHANNELS = [
  'stack:connect',
  'stack:doctor',
  'stack:settings',
  'stack:init',
  'stack:up',
  'stack:status',
  'stack:logs',
  'stack:logs:follow',
  'stack:logs:stop',
  'stack:restart',
  'stack:upgrade:plan',
  'stack:upgrade',
  'stack:down',
  'stack:bundle:choose',
  'stack:bundle:verify',
  'stack:bundle:load',
  'stack:cancel',
] as const satisfies (keyof StackContract)[];

/** The push channel main sends `StackPush` messages on. */
export const STACK_EVENTS_CHANNEL = 'stack:events';
