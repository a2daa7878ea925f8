import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunnableService {
  name: string;
  description: string;
  /** Entry point, relative to the repository root. */
  main: string;
  port: number;
}

interface PackageJson {
  name: string;
  description?: string;
  workspaces?: string[];
  speaknode?: { main?: string; port?: number };
}

/**
 * The workspaces that declare `"speaknode": {"main": "src/main.ts", "port": 8080}` in their
 * package.json and whose entry point exists, in workspace order (dependencies first).
 */
export function discoverServices(root: string): RunnableService[] {
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const services: RunnableService[] = [];
  for (const workspace of rootPackage.workspaces ?? []) {
    const manifest = join(root, workspace, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
    const main = pkg.speaknode?.main;
    const port = pkg.speaknode?.port;
    if (!main || port === undefined || !existsSync(join(root, workspace, main))) continue;
    services.push({
      name: pkg.name.replace(/^@speaknode\//, ''),
      description: pkg.description ?? '',
      main: join(workspace, main),
      port,
    });
  }
  return services;
}
