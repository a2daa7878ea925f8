import type { ServiceStatus } from '../supervisor/status.ts';

/** `speaknode status` as a table, one line per service, with why a service is unhealthy and what the watcher did. */
export function printStatus(status: readonly ServiceStatus[], line: (text: string) => void): void {
  line(`${'SERVICE'.padEnd(16)} ${'STATE'.padEnd(10)} ${'HEALTH'.padEnd(10)} RESTARTS UPTIME   IMAGE`);
  for (const s of status) {
    const uptime = s.uptimeS !== undefined ? `${s.uptimeS}s` : '-';
    line(
      `${s.service.padEnd(16)} ${s.state.padEnd(10)} ${(s.health ?? '-').padEnd(10)} ${String(s.restarts).padEnd(8)} ${uptime.padEnd(8)} ${s.image}${s.current || s.state === 'missing' ? '' : ' (outdated: run up)'}`,
    );
    if (s.restartsByWatcher) line(`${''.padEnd(16)} ${s.restartsByWatcher} of the restarts by \`speaknode watch\``);
    if (s.healthDetail) line(`${''.padEnd(16)} ${s.health}: last health check ${s.healthDetail}`);
    if (s.watcherGaveUp) line(`${''.padEnd(16)} watch gave up: ${s.watcherGaveUp}`);
  }
}
