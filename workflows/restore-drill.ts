/**
 * Proves a backup restores: checksum, restore into a scratch database, exact counts per table and
 * per firm against the backup's snapshot, sanity checks, and the scratch database dropped whatever
 * happened. The verdict goes on the catalogue row; a failure fails this workflow (visible in the
 * Temporal UI) after it is recorded, logged and notified.
 */
import { ApplicationFailure, CancellationScope, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DEFAULT_BACKUP_TIMEOUTS, scratchDatabaseName, type RestoreDrillInput } from './backup-definitions';
import { rootMessage } from './failures';

type DrillCheck = { name: string; ok: boolean; detail: string };

export type RestoreDrillResult = {
  backupId: string;
  passed: true;
  scratchDatabase: string;
  tables: number;
  rows: number;
  checks: DrillCheck[];
  durations: { verifyMs?: number; restoreMs?: number; inspectMs?: number; dropMs?: number; totalMs?: number };
};

export async function restoreDrillWorkflow(input: RestoreDrillInput): Promise<RestoreDrillResult> {
  const t = { ...DEFAULT_BACKUP_TIMEOUTS, ...input.timeouts };
  const retry = { initialInterval: t.initialRetrySeconds * 1000, backoffCoefficient: 2, maximumAttempts: t.maximumAttempts };
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: t.longStepMinutes * 60_000, heartbeatTimeout: t.heartbeatSeconds * 1000, retry });

  const { workflowId } = workflowInfo();
  const { backupId } = input;
  const scratchDatabase = scratchDatabaseName(backupId, uuid4());
  const startedAt = Date.now();

  await quick.drillLoadBackup({ backupId });
  await quick.drillRecordStarted({ backupId, workflowId, scratchDatabase });

  const durations: RestoreDrillResult['durations'] = {};
  let checks: DrillCheck[] = [];
  let tables = 0;
  let rows = 0;
  const problems: string[] = [];
  try {
    const verified = await long.drillVerifyChecksum({ backupId });
    durations.verifyMs = verified.durationMs;
    if (!verified.ok) {
      problems.push(verified.reason ?? 'the file does not match the catalogue');
    } else {
      durations.restoreMs = (await long.drillRestoreScratch({ backupId, scratchDatabase })).durationMs;
      const inspected = await long.drillInspectScratch({ backupId, scratchDatabase });
      durations.inspectMs = inspected.durationMs;
      checks = inspected.checks;
      tables = inspected.tables;
      rows = inspected.rows;
      if (inspected.countsReason) problems.push(inspected.countsReason);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length) problems.push(`sanity checks failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    }
  } catch (error) {
    problems.push(`the drill could not complete: ${rootMessage(error)}`);
  } finally {
    // Also when cancelled: a scratch copy of every firm's data must not be left behind.
    try {
      durations.dropMs = (await CancellationScope.nonCancellable(() => quick.drillDropScratch({ scratchDatabase }))).durationMs;
    } catch (error) {
      problems.push(`the scratch database ${scratchDatabase} could not be dropped: ${rootMessage(error)}`);
    }
  }
  durations.totalMs = Date.now() - startedAt;

  const passed = problems.length === 0;
  const reason = passed ? null : problems.join('; ');
  await CancellationScope.nonCancellable(() => quick.drillRecordResult({ backupId, workflowId, passed, reason, durations, checks }));
  if (!passed) {
    throw ApplicationFailure.nonRetryable(`restore drill of ${backupId} failed: ${reason}`, 'RestoreDrillFailed', { backupId, scratchDatabase, durations });
  }
  return { backupId, passed: true, scratchDatabase, tables, rows, checks, durations };
}
