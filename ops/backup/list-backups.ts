/**
 * `npm run ops:backups [--json]`: the catalogue, newest first. `--json` prints
 * [{ id, createdAt, file, sizeBytes, sha256, status, drill: { status, reason, finishedAt } }].
 */
import { listBackups, toBackupSummary } from '../../db/models/backup-catalogue';
import { fail, humanBytes, loadCommandConfig, ownerKnex, positionalArgs, say } from './command';

async function main(): Promise<void> {
  const { flags } = positionalArgs(process.argv.slice(2));
  const config = loadCommandConfig({ temporal: false });
  const knex = ownerKnex(config.database.url);
  const summaries = (await listBackups(knex).finally(() => knex.destroy())).map(toBackupSummary);
  if (flags.has('--json')) {
    say(JSON.stringify(summaries, null, 2));
    return;
  }
  if (summaries.length === 0) {
    say(`no backups yet (folder ${config.backup.dir})`);
    return;
  }
  say(`backups in ${config.backup.dir} (only "verified" ones have passed a restore drill):`);
  for (const b of summaries) {
    const drill = `drill ${b.drill.status}${b.drill.reason ? `: ${b.drill.reason}` : ''}`;
    say(`  ${b.id.padEnd(30)} ${b.createdAt}  ${humanBytes(b.sizeBytes).padStart(10)}  ${b.status.padEnd(8)}  ${drill}`);
  }
}

main().catch((error: Error) => fail(error.stack ?? error.message));
