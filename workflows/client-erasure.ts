/**
 * One client erasure: stop the client's running workflows (cancel, then terminate what has not
 * ended after a grace period), delete its rows and redact its audit payloads in one transaction,
 * delete its files, then write and sign the certificate. Each step is idempotent, so a retry or a
 * resumed request after a failure finishes the same erasure. A failure marks the erasure failed and
 * fails the workflow; a person looks, and the same request starts it again.
 */
import { ApplicationFailure, CancellationScope, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { rootMessage } from './failures';
import { clientErasureStatusQuery, DEFAULT_CANCEL_GRACE_SECONDS, ERASURE_RUN_TOKEN_MEMO, type ClientErasureInput, type ClientErasureStatus } from './client-erasure-definitions';

export async function clientErasureWorkflow(input: ClientErasureInput): Promise<ClientErasureStatus> {
  const retry = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 };
  const grace = input.cancelGraceSeconds ?? DEFAULT_CANCEL_GRACE_SECONDS;
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });
  const stopping = proxyActivities<Activities>({ startToCloseTimeout: (grace + 120) * 1000, heartbeatTimeout: '30 seconds', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '2 minutes', retry });
  const { firmId, erasureId } = input;
  const status: ClientErasureStatus = { erasureId, step: 'stopping_workflows', stoppedWorkflows: 0, failure: null };
  setHandler(clientErasureStatusQuery, () => status);

  // The run token its starter put in the memo (the api's, or a firm deletion's): the run records its
  // own start before any work, so a run that did work is never taken for one never started once
  // Temporal forgets it (activities/client-erasure.ts, erasureRunStarted). Runs begun before this
  // step existed replay without it.
  const runToken = workflowInfo().memo?.[ERASURE_RUN_TOKEN_MEMO];
  const fence: { runToken?: string } = {};

  try {
    // Every write to the record is fenced by the token (activities/client-erasure.ts): a run a newer
    // decision superseded changes nothing, its failure included (also one cancelled before its first
    // step completed). Runs recorded before this replay without it.
    if (typeof runToken === 'string' && patched('erasure-writes-fenced-by-run-token')) fence.runToken = runToken;
    if (typeof runToken === 'string' && patched('erasure-records-its-run-start')) await quick.erasureRunStarted({ firmId, erasureId, runToken });
    const stopped = await stopping.erasureStopWorkflows({ firmId, erasureId, graceSeconds: grace });
    status.stoppedWorkflows = stopped.cancelled.length + stopped.terminated.length;
    status.step = 'deleting_data';
    await long.erasureDeleteData({ firmId, erasureId, ...fence });
    status.step = 'deleting_files';
    await quick.erasureDeleteFiles({ firmId, erasureId });
    status.step = 'certifying';
    await quick.erasureCertify({ firmId, erasureId, ...fence });
    status.step = 'completed';
    return status;
  } catch (error) {
    status.failure = rootMessage(error);
    status.step = 'failed';
    await CancellationScope.nonCancellable(() => quick.erasureFailed({ firmId, erasureId, reason: status.failure ?? 'unknown', ...fence }));
    throw ApplicationFailure.nonRetryable(`erasure ${erasureId} failed: ${status.failure}`, 'ClientErasureFailed');
  }
}
