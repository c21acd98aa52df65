/**
 * Starting a client erasure's workflow (docs/data-export-and-erasure.md, "Client erasure"). The id is
 * the client's, reused only after a failure (ALLOW_DUPLICATE_FAILED_ONLY), so a request while it runs
 * finds the same erasure. One window needs care: a failed run commits `failed` to its record and only
 * then closes. A retry in between moves the record back to `running`, and its start meets the run
 * that is still open; taking that as "the same erasure" would leave the record `running` with no
 * workflow once the old run closes. So a retry of a failed record that meets an open run waits a
 * moment for it to close and starts again; if it does not close, 409 `erasure_ending` (the
 * request's transaction rolls back, the record stays `failed`, and asking again later works).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CLIENT_ERASURE_WORKFLOW, type ClientErasureInput } from '../../workflows/client-erasure-definitions';
import { ApiError } from '../errors';
import type { TemporalHandle } from '../temporal-client';

/** How long a retry waits for a failed run that has not closed yet (it closes right after its record says failed). */
export const ENDING_RUN_WAIT_MS = 5_000;

export type ErasureStart = 'started' | 'already_running';

export async function startErasureWorkflow(
  temporal: TemporalHandle,
  input: ClientErasureInput,
  workflowId: string,
  options: { retryOfFailed: boolean; endingWaitMs?: number },
): Promise<ErasureStart> {
  const start = () => temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
  try {
    await start();
    return 'started';
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // A record that was running: the same request again, the same erasure.
    if (!options.retryOfFailed) return 'already_running';
  }
  // The record said failed, yet a run is open: the failed run, between its last write and its close.
  const handle = temporal.client.workflow.getHandle(workflowId);
  const closed = await Promise.race([
    handle.result().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), options.endingWaitMs ?? ENDING_RUN_WAIT_MS).unref()),
  ]);
  const description = await handle.describe();
  if (!closed || description.status.name === 'RUNNING') {
    throw new ApiError(409, 'erasure_ending', 'The last attempt of this erasure is still ending: ask again in a minute.');
  }
  try {
    await start();
    return 'started';
  } catch (error) {
    // Another request started it in between: that run is this erasure's.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already_running';
    throw error;
  }
}
