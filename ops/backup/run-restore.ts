/**
 * `npm run ops:restore -- <backup id> <target database> [--force]`: a real restore on the server of
 * DATABASE_URL (see restore.ts for the steps). Stop the api, worker and scheduler before restoring
 * over the live database.
 */
import { isBackupId } from '../../workflows/backup-definitions';
import { fail, loadCommandConfig, positionalArgs, say } from './command';
import { RestoreRefused, restoreBackup } from './restore';

async function main(): Promise<void> {
  const { args, flags } = positionalArgs(process.argv.slice(2));
  const [backupId, target] = args;
  if (!backupId || !target || !isBackupId(backupId)) fail('usage: npm run ops:restore -- <backup id> <target database> [--force]', 2);
  const config = loadCommandConfig({ temporal: false });
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
    if (error instanceof RestoreRefused) fail(`refused: ${error.message}`);
    throw error;
  }
}

main().catch((error: Error) => fail(`restore FAILED: ${error.message}`));
