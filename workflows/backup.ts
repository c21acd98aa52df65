/**
 * The nightly (or on-demand) backup: catalogue it, dump the database with the row counts of the
 * dump's own snapshot, prove it with a restore drill (a child workflow), then rotate. Its id is the
 * backup id (`backup-2026-11-20`); started with REJECT_DUPLICATE, a day's backup runs once however
 * many schedulers fire. Any failure is recorded, logged and notified, then fails this workflow.
 */
import { ApplicationFailure, CancellationScope, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DEFAULT_BACKUP_TIMEOUTS, drillAfterBackupWorkflowId, type BackupWorkflowInput } from './backup-definitions';
import { rootMessage } from './failures';
import { restoreDrillWorkflow, type RestoreDrillResult } from './restore-drill';

export type BackupWorkflowResult = {
  backupId: string;
  status: 'verified';
  file: string;
  sizeBytes: number;
  sha256: string;
  dumpDurationMs: number;
  tables: number;
  drill: RestoreDrillResult;
  rotation: { kept: string[]; deleted: string[] } | null;
};

export async function backupWorkflow(input: BackupWorkflowInput): Promise<BackupWorkflowResult> {
  const t = { ...DEFAULT_BACKUP_TIMEOUTS, ...input.timeouts };
  const retry = { initialInterval: t.initialRetrySeconds * 1000, backoffCoefficient: 2, maximumAttempts: t.maximumAttempts };
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: t.longStepMinutes * 60_000, heartbeatTimeout: t.heartbeatSeconds * 1000, retry });

  const { workflowId, runId } = workflowInfo();
  const { backupId } = input;
  const { createdAt } = await quick.backupRecordStarted({ backupId, kind: input.kind, workflowId, runId });

  let dump: Awaited<ReturnType<Activities['backupDump']>>;
  try {
    dump = await long.backupDump({ backupId, createdAt });
    await quick.backupRecordDumped({ backupId, dump });
  } catch (error) {
    const reason = rootMessage(error);
    await CancellationScope.nonCancellable(() => quick.backupRecordFailed({ backupId, workflowId, reason }));
    throw ApplicationFailure.nonRetryable(`backup ${backupId} failed: ${reason}`, 'BackupFailed');
  }

  let drill: RestoreDrillResult;
  try {
    drill = await executeChild(restoreDrillWorkflow, {
      workflowId: drillAfterBackupWorkflowId(backupId),
      args: [{ backupId, timeouts: input.timeouts }],
    });
  } catch (error) {
    // The drill recorded, logged and notified its own failure; the backup is not good, so fail too.
    throw ApplicationFailure.nonRetryable(`backup ${backupId} is not verified: ${rootMessage(error)}`, 'BackupNotVerified');
  }

  // Rotation runs only after a passing drill: while something is wrong, nothing is deleted.
  let rotation: BackupWorkflowResult['rotation'] = null;
  if (input.rotate !== false) {
    const rotated = await quick.backupRotate();
    rotation = { kept: rotated.kept.map((k) => k.id), deleted: rotated.deleted };
  }

  return {
    backupId,
    status: 'verified',
    file: dump.file,
    sizeBytes: dump.sizeBytes,
    sha256: dump.sha256,
    dumpDurationMs: dump.durationMs,
    tables: Object.keys(dump.counts.tables).length,
    drill,
    rotation,
  };
}
