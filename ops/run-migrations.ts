/** `npm run migrate`: brings the database at DATABASE_URL (or the running `npm start` stack's) to the latest schema (run as the tables' owner). */
import { createLogger } from './logger';
import { migrateLatest } from '../db/migrator';
import { loadOpsConfigOrExit } from './ops-config';

const config = loadOpsConfigOrExit({ database: true, temporal: false });
const logger = createLogger({ level: config.logLevel, pretty: config.isDev });
migrateLatest({ url: config.database.url!, appRole: config.database.appRole }).then(
  (applied) => logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date'),
  (error: Error) => {
    logger.fatal({ err: error }, 'migration failed');
    process.exit(1);
  },
);
