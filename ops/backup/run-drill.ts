/** `npm run ops:drill -- <backup id>`: a restore drill of that backup now, waited for; exit 1 when it failed. */
import { WorkflowFailedError } from '@temporalio/client';
import { createTemporalClient } from '../../api/temporal-client';
import { temporalPayloadCodec } from '../keys';
import { findBackup } from '../../db/models/backup-catalogue';
import { isBackupId, onDemandDrillWorkflowId, RESTORE_DRILL_WORKFLOW, type RestoreDrillInput } from '../../workflows/backup-definitions';
import { rootMessage } from '../../workflows/failures';
import { fail, loadCommandConfig, ownerKnex, positionalArgs, say } from './command';

async function main(): Promise<void> {
  const { args } = positionalArgs(process.argv.slice(2));
  const backupId = args[0];
  if (!backupId || !isBackupId(backupId)) fail('usage: npm run ops:drill -- <backup id>   (ids as listed by `npm run ops:backups`)', 2);
  const config = loadCommandConfig({ temporal: true });

  const knex = ownerKnex(config.database.url);
  const row = await findBackup(knex, backupId).finally(() => knex.destroy());
  if (!row) fail(`no backup ${backupId} in the catalogue (see npm run ops:backups)`);
  if (!row.file) fail(`backup ${backupId} has no dump to drill (status ${row.status})`);

  const temporal = createTemporalClient({ address: config.temporal.address!, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec: temporalPayloadCodec(config) });
  const workflowId = onDemandDrillWorkflowId(backupId, new Date());
  const input: RestoreDrillInput = { backupId, timeouts: { longStepMinutes: config.backup.stepTimeoutMinutes } };
  try {
    const handle = await temporal.client.workflow.start(RESTORE_DRILL_WORKFLOW, { taskQueue: config.temporal.taskQueue, workflowId, args: [input] });
    say(`started ${workflowId}; waiting for checksum, restore into a scratch database, counts and sanity checks…`);
    const result: unknown = await handle.result();
    say(JSON.stringify(result, null, 2));
    say(`${backupId}: drill passed`);
  } catch (error) {
    if (error instanceof WorkflowFailedError) fail(`${backupId}: drill FAILED: ${rootMessage(error)}`);
    throw error;
  } finally {
    await temporal.close();
  }
}

main().catch((error: Error) => fail(error.stack ?? error.message));
