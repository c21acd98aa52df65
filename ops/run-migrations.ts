/** `npm run migrate`: brings the database at DATABASE_URL to the latest schema (run as the tables' owner). */
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { migrateLatest } from '../db/migrator';

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, pretty: config.isDev });
if (!config.database.url) {
  logger.fatal('DATABASE_URL: required for `npm run migrate` (npm start migrates its embedded database itself)');
  process.exit(78);
}
migrateLatest({ url: config.database.url, appRole: config.database.appRole }).then(
  (applied) => logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date'),
  (error: Error) => {
    logger.fatal({ err: error }, 'migration failed');
    process.exit(1);
  },
);
