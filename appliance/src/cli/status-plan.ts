/**
 * What the fast `speaknode status` needs instead of loading the stack: each service's expected image
 * and create-request hash, the engine they are for, and the files they were derived from (settings,
 * secrets, config files, the compiled command) with their sizes and times. Written by the full
 * command after `status` and `up`; the fast path uses it only while every one of those files is
 * unchanged, else the full command answers (and writes a new plan). Node built-ins only.
 */
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectedService } from '../supervisor/status.ts';

export interface PlanSource {
  path: string;
  /** -1 when the file did not exist. */
  mtimeMs: number;
  size: number;
}

export interface StatusPlan {
  format: 1;
  project: string;
  /** The engine's socket path the hashes were computed for (its CPU and memory cut the limits). */
  engine: string;
  services: ExpectedService[];
  sources: PlanSource[];
}

export const PLAN_FILE = 'status-plan.json';

async function statOf(path: string): Promise<PlanSource> {
  try {
    const info = await stat(path);
    return { path, mtimeMs: info.mtimeMs, size: info.size };
  } catch {
    return { path, mtimeMs: -1, size: 0 };
  }
}

/** The files a plan depends on: settings, the file secret store, every config file, and `code` (the command's own bundle). */
export async function planSources(stateDir: string, code: string): Promise<PlanSource[]> {
  const config = join(stateDir, 'config');
  const files = await readdir(config).catch(() => [] as string[]);
  return Promise.all(
    [
      join(stateDir, 'settings.json'),
      join(stateDir, 'secrets.json'),
      ...files.sort().map((f) => join(config, f)),
      code,
    ].map(statOf),
  );
}

export async function writeStatusPlan(stateDir: string, plan: StatusPlan): Promise<void> {
  const path = join(stateDir, PLAN_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(plan)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

/** The plan, when it is for `engine` and none of its sources changed since it was written. */
export async function readFreshPlan(stateDir: string, engine: string, code: string): Promise<StatusPlan | undefined> {
  let plan: StatusPlan;
  try {
    plan = JSON.parse(await readFile(join(stateDir, PLAN_FILE), 'utf8')) as StatusPlan;
  } catch {
    return undefined;
  }
  if (plan?.format !== 1 || plan.engine !== engine || !Array.isArray(plan.services)) return undefined;
  const now = await planSources(stateDir, code);
  const same =
    now.length === plan.sources.length &&
    now.every((s, i) => {
      const then = plan.sources[i]!;
      return then.path === s.path && then.mtimeMs === s.mtimeMs && then.size === s.size;
    });
  return same ? plan : undefined;
}
