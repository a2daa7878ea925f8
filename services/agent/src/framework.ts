/** The framework's process-wide logger must exist before any session or worker is created. */
import { initializeLogger, log } from '@livekit/agents';

export function ensureFrameworkLogger(level = 'info', pretty = false): void {
  try {
    log();
  } catch {
    initializeLogger({ pretty, level });
  }
}
