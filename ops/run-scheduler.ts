/** `npm run scheduler`: the node-cron process that starts scheduled workflows (safe to run twice). */
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { startSchedulerService } from './services';
import { stopOnSignals } from './shutdown';

async function main() {
  const config = loadConfigOrExit({ requireExternalServices: true, requirePayloadKeys: true });
  const logger = createLogger({ level: config.logLevel, pretty: config.isDev });
  const scheduler = await startSchedulerService({ config, logger, temporalAddress: config.temporal.address! });
  stopOnSignals(() => [{ name: 'scheduler', stop: scheduler.stop }], logger);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
