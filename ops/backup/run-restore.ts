/**
 * `npm run ops:restore -- <backup id> <target database> [--force]`: a real restore on the server of
 * DATABASE_URL (see restore.ts for the steps). Stop the api, worker and scheduler before restoring
 * over the live database: restore.ts refuses a database they are connected to.
 *
 * Without DATABASE_URL the server is the `npm start` stack's embedded PostgreSQL. While the stack runs
 * the command uses it (a restore into another database name works; replacing the stack's own is
 * refused while its api and worker are connected). Once the stack is stopped (Ctrl-C), the command
 * starts that embedded server by itself from DATA_DIR, restores, and stops it again, so a restore
 * over the stack's database needs no running stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { databaseUrlFor } from '../../db/knex';
import { isBackupId } from '../../workflows/backup-definitions';
import { ConfigError, loadConfig, type Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded-postgres';
import { processAlive, readStackFile } from '../stack-file';
import { fail, loadCommandConfig, positionalArgs, say } from './command';
import { RestoreRefused, restoreBackup } from './restore';

/** The database the `npm start` stack keeps its data in (ops/dev.ts). */
const STACK_DATABASE = 'taalmel';

type Server = { config: Config & { database: { url: string } }; embedded: EmbeddedPostgres | null };

/** The environment's server, the running stack's, or the stopped stack's embedded one started here. */
async function server(): Promise<Server> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 78);
    throw error;
  }
  const stack = readStackFile(config.dataDir);
  if (config.database.url || (stack && processAlive(stack.pid))) return { config: loadCommandConfig({ temporal: false }), embedded: null };

  const dataDir = path.join(config.dataDir, 'postgres');
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fail(`DATABASE_URL is not set and there is no \`npm start\` database in ${dataDir}: set DATABASE_URL, or DATA_DIR to the stack's data folder`, 78);
  }
  process.stderr.write(`the \`npm start\` stack of ${config.dataDir} is stopped: starting its PostgreSQL (port ${config.database.embeddedPort}) for the restore\n`);
  const embedded = await startEmbeddedPostgres({ dataDir, port: config.database.embeddedPort, persistent: true });
  const url = databaseUrlFor(embedded.url, STACK_DATABASE);
  return { config: { ...config, database: { ...config.database, url } }, embedded };
}

async function main(): Promise<void> {
  const { args, flags } = positionalArgs(process.argv.slice(2));
  const [backupId, target] = args;
  if (!backupId || !target || !isBackupId(backupId)) fail('usage: npm run ops:restore -- <backup id> <target database> [--force]', 2);
  const { config, embedded } = await server();
  try {
    const result = await restoreBackup({
      ownerUrl: config.database.url,
      backupDir: config.backup.dir,
      pgRestorePath: config.backup.pgRestorePath,
      backupId,
      target,
      force: flags.has('--force'),
      erasureLogDir: config.dataProtection.erasureLogDir,
      say,
    });
    say(JSON.stringify(result, null, 2));
  } catch (error) {
    if (error instanceof RestoreRefused) {
      await embedded?.stop();
      fail(`refused: ${error.message}`);
    }
    throw error;
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: Error) => fail(`restore FAILED: ${error.message}`));
