/**
 * One reconciliation run: mark it running and count its documents, then load, match and store the
 * results in one activity whose database work is a single transaction (results, supplier lines,
 * summary and `completed` appear together or not at all), then report. The progress query answers
 * the api while the run is in flight. Any failure marks the run `failed` with the reason and fails
 * this workflow, so the same request can start it again (ALLOW_DUPLICATE_FAILED_ONLY).
 */
import { ApplicationFailure, CancellationScope, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { rootMessage } from './failures';
import {
  DEFAULT_RECONCILIATION_TIMEOUTS,
  reconciliationProgressQuery,
  reconciliationProgressSignal,
  type ReconciliationProgress,
  type ReconciliationWorkflowResult,
  type ReconciliationWorkflowInput,
} from './reconciliation-definitions';

export async function reconciliationWorkflow(input: ReconciliationWorkflowInput): Promise<ReconciliationWorkflowResult> {
  const t = { ...DEFAULT_RECONCILIATION_TIMEOUTS, ...input.timeouts };
  const retry = { initialInterval: t.initialRetrySeconds * 1000, backoffCoefficient: 2, maximumAttempts: t.maximumAttempts };
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: t.matchMinutes * 60_000, heartbeatTimeout: t.heartbeatSeconds * 1000, retry });

  const progress: ReconciliationProgress = { status: 'queued', done: 0, total: 0 };
  setHandler(reconciliationProgressQuery, () => progress);
  // Only forward, and never "done" before the results are committed.
  setHandler(reconciliationProgressSignal, ({ done }) => {
    if (progress.status === 'running') progress.done = Math.max(progress.done, Math.min(done, progress.total - 1));
  });

  const { firmId, runId } = input;
  try {
    const prepared = await quick.reconciliationPrepare({ firmId, runId });
    progress.status = 'running';
    progress.total = prepared.total;
    const stored = await long.reconciliationMatchAndStore({ firmId, runId });
    progress.status = 'completed';
    progress.done = progress.total;
    return { runId, status: 'completed', results: stored.results, total: progress.total };
  } catch (error) {
    const reason = rootMessage(error);
    progress.status = 'failed';
    await CancellationScope.nonCancellable(() => quick.reconciliationFailed({ firmId, runId, reason }));
    throw ApplicationFailure.nonRetryable(`reconciliation ${runId} failed: ${reason}`, 'ReconciliationFailed');
  }
}
