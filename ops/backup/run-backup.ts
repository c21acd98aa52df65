/**
 * `npm run ops:backup`: a backup now (on demand, beside the nightly one), waited for. It runs on the
 * workers like the nightly one (dump, drill, rotation) and prints the result; exit 1 when it failed.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { createTemporalClient } from '../../api/temporal-client';
import { temporalPayloadCodec } from '../keys';
import { BACKUP_WORKFLOW, onDemandBackupId, type BackupWorkflowInput } from '../../workflows/backup-definitions';
import { rootMessage } from '../../workflows/failures';
import { fail, loadCommandConfig, say } from './command';

async function main(): Promise<void> {
  const config = loadCommandConfig({ temporal: true });
  const temporal = createTemporalClient({ address: config.temporal.address!, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec: temporalPayloadCodec(config) });
  const backupId = onDemandBackupId(new Date());
  const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: { longStepMinutes: config.backup.stepTimeoutMinutes } };
  try {
    const handle = await temporal.client.workflow.start(BACKUP_WORKFLOW, {
      taskQueue: config.temporal.taskQueue,
      workflowId: backupId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    say(`started ${backupId} on task queue ${config.temporal.taskQueue} (workflow id ${handle.workflowId}); waiting for the dump, the restore drill and rotation…`);
    const result: unknown = await handle.result();
    say(JSON.stringify(result, null, 2));
    say(`${backupId}: verified (its restore drill passed)`);
  } catch (error) {
    if (error instanceof WorkflowFailedError) fail(`${backupId} FAILED: ${rootMessage(error)}`);
    throw error;
  } finally {
    await temporal.close();
  }
}

main().catch((error: Error) => fail(error.stack ?? error.message));
