/**
 * One firm deletion: tell every firm admin and wait out the cooling-off period (cancellable), then stop the firm's sign-ins,
 * erase every client through the client erasure workflow (as a child, with the client erasure's own
 * id, so a client erasure already done is not repeated), delete the firm's own rows and seal its
 * audit chain, then verify that nothing of the firm remains, sign the certificate and email it. Each step is
 * idempotent; a failure marks the deletion failed, and the same request (`ops:delete-firm`) resumes it.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, CancellationScope, condition, executeChild, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId, ERASURE_RUN_TOKEN_MEMO, type ClientErasureInput } from './client-erasure-definitions';
import { rootMessage } from './failures';
import { firmDeletionCancelSignal, firmDeletionRunNowSignal, firmDeletionStatusQuery, type FirmDeletionInput, type FirmDeletionStatus } from './firm-deletion-definitions';

export async function firmDeletionWorkflow(input: FirmDeletionInput): Promise<FirmDeletionStatus> {
  const retry = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 };
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '2 minutes', retry });
  const { firmId, deletionId } = input;
  const status: FirmDeletionStatus = { deletionId, step: 'cooling_off', executeAfter: input.executeAfter, clients: { total: 0, erased: 0 }, failure: null };
  let cancelled = false;
  let runNow = false;
  setHandler(firmDeletionStatusQuery, () => status);
  setHandler(firmDeletionCancelSignal, () => void (cancelled = true));
  setHandler(firmDeletionRunNowSignal, () => void (runNow = true));

  const waitMs = Math.max(0, Date.parse(input.executeAfter) - Date.now());
  if (waitMs > 0) {
    // Every firm admin hears of it at once, so that any of them can cancel in time. A mail failure
    // (recorded in the outbox and the logs) does not hold the deletion up: the api shows the plan too.
    await quick.firmDeletionNotifyAdmins({ firmId, deletionId }).catch(() => undefined);
    await condition(() => cancelled || runNow, waitMs);
  }

  try {
    // The row decides, not the signal: a cancellation committed before this step wins, one after it is refused.
    const begun = await quick.firmDeletionBegin({ firmId, deletionId });
    if (begun.state === 'cancelled') {
      status.step = 'cancelled';
      return status;
    }
    status.step = 'erasing_clients';
    status.clients.total = begun.clients.length;
    for (const { clientId, erasureId, runToken } of begun.clients) {
      const child: ClientErasureInput = { firmId, clientId, erasureId, cancelGraceSeconds: input.cancelGraceSeconds };
      // The erasure record's run token in the child's memo, as the api starts one (activities/firm-deletion.ts,
      // firmDeletionBegin); deletions begun before tokens were given replay without it.
      const memo = runToken && patched('firm-deletion-erasure-run-token') ? { memo: { [ERASURE_RUN_TOKEN_MEMO]: runToken } } : {};
      try {
        await executeChild(CLIENT_ERASURE_WORKFLOW, { workflowId: clientErasureWorkflowId(firmId, clientId), args: [child], workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', ...memo });
      } catch (error) {
        // Already running or done under its own id (a firm admin erased this client before): the verification below decides.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      status.clients.erased += 1;
    }
    status.step = 'deleting_firm';
    await long.firmDeletionDeleteData({ firmId, deletionId });
    status.step = 'certifying';
    await quick.firmDeletionCertify({ firmId, deletionId });
    status.step = 'sending_certificate';
    await quick.firmDeletionSendCertificate({ firmId, deletionId });
    status.step = 'completed';
    return status;
  } catch (error) {
    status.failure = rootMessage(error);
    status.step = 'failed';
    await CancellationScope.nonCancellable(() => quick.firmDeletionFailed({ firmId, deletionId, reason: status.failure ?? 'unknown' }));
    throw ApplicationFailure.nonRetryable(`firm deletion ${deletionId} failed: ${status.failure}`, 'FirmDeletionFailed');
  }
}
