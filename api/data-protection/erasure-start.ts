/**
 * Starting a client erasure's workflow (docs/data-export-and-erasure.md, "Client erasure"), after its
 * record committed (erasure-request.ts): the record is an audited write, and every audited write holds
 * the firm's audit lock to its commit, so a start inside that transaction would make every audited
 * write of the firm wait for Temporal. The id is the client's, reused only after a failure
 * (ALLOW_DUPLICATE_FAILED_ONLY), so a request while it runs finds the same erasure, and a request
 * that finds a `running` record whose start failed starts it (never a second run).
 *
 * One window needs care: a failed run commits `failed` to its record and only then closes. A retry
 * in between must not move the record back to `running`: its start would meet the run that is still
 * open, and the record would say `running` with nothing running once that run closes. So before a
 * failed record is reopened, its last run must have closed: the request waits a moment for it, and
 * if it does not close answers 409 `erasure_ending` with nothing written.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { CLIENT_ERASURE_WORKFLOW, type ClientErasureInput } from '../../workflows/client-erasure-definitions';
import { ApiError } from '../errors';
import type { TemporalHandle } from '../temporal-client';

/** How long a retry waits for a failed run that has not closed yet (it closes right after its record says failed). */
export const ENDING_RUN_WAIT_MS = 5_000;

export type ErasureStart = 'started' | 'already_running';

const unavailable = (erasureId: string) =>
  new ApiError(503, 'unavailable', 'The erasure is recorded but its work could not be started: ask again to start it.', { erasureId });

/**
 * Before a failed erasure is reopened: waits for its last run to close (if one is open), or refuses
 * with 409 `erasure_ending`. Temporal not answering is 503 `unavailable`; nothing is written either way.
 */
export async function awaitEndedRun(temporal: TemporalHandle, workflowId: string, erasureId: string, endingWaitMs = ENDING_RUN_WAIT_MS): Promise<void> {
  const handle = temporal.client.workflow.getHandle(workflowId);
  const running = async () => {
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch (error) {
      if ((error as { name?: string }).name === 'WorkflowNotFoundError') return false;
      throw unavailable(erasureId);
    }
  };
  if (!(await running())) return;
  await Promise.race([
    handle.result().then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => setTimeout(resolve, endingWaitMs).unref()),
  ]);
  if (await running()) throw new ApiError(409, 'erasure_ending', 'The last attempt of this erasure is still ending: ask again in a minute.');
}

/**
 * Starts the erasure's workflow; one already open is this erasure's (the record is `running`, and
 * its last failed run had closed before it was reopened). A start that fails answers 503
 * `unavailable` naming the erasure: asking again starts it.
 */
export async function startErasureWorkflow(temporal: TemporalHandle, input: ClientErasureInput, workflowId: string): Promise<ErasureStart> {
  try {
    await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already_running';
    throw unavailable(input.erasureId);
  }
}
