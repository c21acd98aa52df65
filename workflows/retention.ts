/**
 * The nightly retention run: for each firm, purge what the retention plan (domain/retention.ts)
 * marks due on the run's day, in small batches, each item in its own owner transaction that records
 * it (audited) and deletes it. Firms are independent: one firm's failure is recorded on its run and
 * the others go on. Every step is idempotent, so retries and a second run of a day delete nothing
 * twice.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { rootMessage } from './failures';
import { isRetentionDay, RETENTION_BATCH, type FirmRetentionResult, type RetentionInput, type RetentionResult } from './retention-definitions';

const retry = { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 };
const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
const purging = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry });

export async function retentionWorkflow(input: RetentionInput): Promise<RetentionResult> {
  if (!isRetentionDay(input.day)) throw ApplicationFailure.nonRetryable(`not a day: ${input.day}`, 'InvalidRetentionDay');
  const { workflowId } = workflowInfo();
  const firms: FirmRetentionResult[] = [];
  for (const firmId of await quick.listRetentionFirms()) {
    let runId: string | null = null;
    let skipped = 0;
    let purgedNow = 0;
    try {
      runId = await quick.startRetentionRun({ firmId, day: input.day, workflowId });
      for (;;) {
        const batch = await purging.purgeDueRetention({ firmId, day: input.day, runId, limit: RETENTION_BATCH });
        skipped += batch.skipped;
        purgedNow += batch.purged;
        if (!batch.more) break;
      }
      const totals = await quick.finishRetentionRun({ firmId, runId, status: 'completed', failure: null });
      firms.push({ firmId, runId, status: 'completed', totals, purgedNow, skipped, failure: null });
    } catch (error) {
      const failure = rootMessage(error);
      if (runId) await quick.finishRetentionRun({ firmId, runId, status: 'failed', failure });
      firms.push({ firmId, runId, status: 'failed', totals: null, purgedNow, skipped, failure });
    }
  }
  return { day: input.day, firms };
}
