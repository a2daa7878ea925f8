/**
 * `npm run -s token`: an admin access token from the embedded issuer of the control that
 * `npm start` runs, on the port CONTROL_PORT names (default 8080), with its state in
 * SPEAKNODE_STATE_DIR (default `.speaknode/`).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { discoverServices, LauncherConfigError, launcherStateDir, resolvePorts } from './services.ts';

const root = resolve(import.meta.dirname, '..');
try {
  const control = resolvePorts(discoverServices(root), process.env).find((service) => service.name === 'control');
  if (!control) throw new LauncherConfigError('there is no control service in this checkout');
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'services/control/src/cli/token.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(control.port),
      SPEAKNODE_DATA_DIR: process.env.SPEAKNODE_DATA_DIR ?? join(launcherStateDir(root, process.env), 'control'),
    },
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
} catch (error) {
  if (!(error instanceof LauncherConfigError)) throw error;
  console.error(`npm run token: ${error.message}`);
  process.exit(64);
}
