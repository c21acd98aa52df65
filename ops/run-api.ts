/** `npm run api`: the HTTP API alone, configured from the environment (DATABASE_URL, TEMPORAL_ADDRESS, …). */
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { securitySettings } from './keys';
import { startApi } from './services';
import { stopOnSignals } from './shutdown';

async function main() {
  const config = loadConfigOrExit({ requireExternalServices: true, requireKeys: true, requirePayloadKeys: true });
  const logger = createLogger({ level: config.logLevel, pretty: config.isDev });
  const api = await startApi({ config, logger, databaseUrl: config.database.url!, temporalAddress: config.temporal.address!, security: securitySettings(config, { devKeysFallback: false }) });
  logger.info({ url: api.url }, 'api listening');
  stopOnSignals(() => [{ name: 'api', stop: api.stop, limitMs: config.limits.stopGraceMs + 5_000 }], logger);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
