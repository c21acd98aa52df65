/**
 * The Temporal SDK's process-wide runtime: its logs go through our pino logger (so they are
 * redacted and carry our format), and it installs no signal handlers of its own: our shutdown
 * decides the order (scheduler, worker drain, api, servers).
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

export function installTemporalRuntime(logger: Logger, level: LogLevel = 'INFO'): void {
  if (installed) return;
  const child = logger.child({ source: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const method = entry.level === 'TRACE' ? 'trace' : entry.level === 'DEBUG' ? 'debug' : entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : 'info';
      child[method](entry.meta ?? {}, entry.message);
    }),
  });
  installed = true;
}
