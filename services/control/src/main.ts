import { join } from 'node:path';
import { ControlConfig, loadConfigOrExit } from '@speaknode/contracts/node';
import { openDatabase } from '@speaknode/runtime/db';
import { consoleLogger } from './context.ts';
import { migrateControl, startControl } from './start.ts';

const config = loadConfigOrExit('control', ControlConfig);
const command = process.argv[2] ?? 'serve';

if (command === 'migrate') {
  // Applies the migrations and exits; `serve` also migrates at start. With DATABASE_URL unset this
  // migrates the embedded database in the data directory (stop a running trial first).
  const database = await openDatabase({
    url: config.DATABASE_URL,
    embeddedDataDir: join(config.SPEAKNODE_DATA_DIR, 'pgdata'),
  });
  try {
    const result = await migrateControl(database.pool);
    console.info(
      `control: applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(', ')}` : ''}; ${result.alreadyApplied.length} already applied`,
    );
  } finally {
    await database.close();
  }
} else if (command === 'serve') {
  const control = await startControl(config);
  consoleLogger.info('control listening', {
    url: control.url,
    issuer: control.issuer,
    embeddedIssuer: control.embeddedIssuer,
    database: control.ctx.embeddedDatabase ? 'embedded' : 'postgresql',
    bus: config.KAFKA_BROKERS?.length ? 'kafka' : 'postgresql',
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await control.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  console.error(`control: unknown command "${command}"; use "serve" (default) or "migrate"`);
  process.exit(64);
}
