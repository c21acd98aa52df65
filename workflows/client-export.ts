/**
 * One client export: build the ZIP (a long activity that heartbeats), keep it until the expiry the
 * api planned and showed, then delete it. A cancellation (an erasure of the client, or ops) or a
 * failure still deletes whatever was written, in a non-cancellable scope.
 */
import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { rootMessage } from './failures';
import { CLIENT_EXPORT_TIMEOUTS, clientExportStatusQuery, type ClientExportInput, type ClientExportStatus } from './client-export-definitions';

export async function clientExportWorkflow(input: ClientExportInput): Promise<ClientExportStatus> {
  const retry = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 };
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
  const long = proxyActivities<Activities>({
    startToCloseTimeout: CLIENT_EXPORT_TIMEOUTS.buildMinutes * 60_000,
    heartbeatTimeout: CLIENT_EXPORT_TIMEOUTS.heartbeatSeconds * 1000,
    retry,
  });
  const { firmId, exportId, expiresAt } = input;
  const status: ClientExportStatus = { exportId, state: 'building', expiresAt, next: null };
  setHandler(clientExportStatusQuery, () => status);

  try {
    await long.clientExportBuild({ firmId, exportId });
    status.state = 'ready';
    status.next = { step: 'expiry', at: expiresAt };
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()));
  } catch (error) {
    status.next = null;
    const reason = isCancellation(error) ? 'cancelled' : rootMessage(error);
    await CancellationScope.nonCancellable(() => quick.clientExportRemove({ firmId, exportId, outcome: status.state === 'ready' ? 'expired' : 'failed', reason }));
    status.state = status.state === 'ready' ? 'expired' : 'failed';
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(`export ${exportId} failed: ${reason}`, 'ClientExportFailed');
  }
  status.next = null;
  await CancellationScope.nonCancellable(() => quick.clientExportRemove({ firmId, exportId, outcome: 'expired', reason: null }));
  status.state = 'expired';
  return status;
}
