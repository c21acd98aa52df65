/** `npm run worker`: the Temporal worker alone; scale out by running more of them on the same task queue. */
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { startWorkerService } from './services';
import { installTemporalRuntime, workerMetricsAddress } from './temporal-runtime';
import { stopOnSignals } from './shutdown';

async function main() {
  const config = loadConfigOrExit({ requireExternalServices: true });
  const logger = createLogger({ level: config.logLevel, pretty: config.isDev });
  installTemporalRuntime(logger, 'INFO', { metricsBindAddress: workerMetricsAddress(config) });
  const worker = await startWorkerService({ config, logger, databaseUrl: config.database.url!, temporalAddress: config.temporal.address! });
  logger.info({ taskQueue: config.temporal.taskQueue, metrics: workerMetricsAddress(config) ?? 'off' }, 'worker running');
  stopOnSignals(() => [{ name: 'worker', stop: worker.stop }], logger);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
