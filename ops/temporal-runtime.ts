/**
 * The Temporal SDK's process-wide runtime: its logs go through our pino logger (so they are
 * redacted and carry our format), and it installs no signal handlers of its own: our shutdown
 * decides the order (scheduler, worker drain, api, servers). With a bind address, the SDK's own
 * Prometheus exporter serves the worker's metrics (task slots, polls, workflow and activity
 * completions and failures, latencies) at `http://<address>/metrics`.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

export function installTemporalRuntime(logger: Logger, level: LogLevel = 'INFO', options: { metricsBindAddress?: string } = {}): void {
  if (installed) return;
  const child = logger.child({ source: 'temporal-sdk' });
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const method = entry.level === 'TRACE' ? 'trace' : entry.level === 'DEBUG' ? 'debug' : entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : 'info';
      child[method](entry.meta ?? {}, entry.message);
    }),
    ...(options.metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } } : {}),
  });
  installed = true;
}

/** `host:port` for the exporter from configuration; undefined when the worker's metrics are off. */
export function workerMetricsAddress(config: { metrics: { host: string; workerPort: number | undefined } }): string | undefined {
  return config.metrics.workerPort ? `${config.metrics.host}:${config.metrics.workerPort}` : undefined;
}
