/**
 * Starting a client erasure's workflow (docs/data-export-and-erasure.md, "Client erasure"), after its
 * record committed (erasure-request.ts): the record is an audited write, and every audited write holds
 * the firm's audit lock to its commit, so a start inside that transaction would make every audited
 * write of the firm wait for Temporal. The id is the client's, reused only after a failure
 * (ALLOW_DUPLICATE_FAILED_ONLY), so a request while it runs finds the same erasure, and a request
 * that finds a `running` record whose start failed starts it (never a second run). The run carries the
 * record's run token in its memo (erasure-run.ts).
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
import { erasureUnavailable } from './erasure-request';
import { RUN_TOKEN_MEMO } from './erasure-run';

/** How long a retry waits for a failed run that has not closed yet (it closes right after its record says failed). */
export const ENDING_RUN_WAIT_MS = 5_000;

export type ErasureStart = 'started' | 'already_running';

export const erasureEnding = () => new ApiError(409, 'erasure_ending', 'The last attempt of this erasure is still ending: ask again in a minute.');

/**
 * Before a failed erasure is reopened: waits up to `endingWaitMs` for its last run to close, or
 * refuses with 409 `erasure_ending`. Temporal not answering is 503 `unavailable`; nothing is written
 * either way. The wait for the run's result is a long poll: when the time is up it is cancelled (an
 * abort signal on its gRPC calls), so no call and no promise outlives the request.
 */
export async function awaitEndedRun(temporal: TemporalHandle, workflowId: string, erasureId: string, endingWaitMs = ENDING_RUN_WAIT_MS): Promise<void> {
  const handle = temporal.client.workflow.getHandle(workflowId);
  const running = async () => {
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch (error) {
      if ((error as { name?: string }).name === 'WorkflowNotFoundError') return false;
      throw erasureUnavailable(erasureId);
    }
  };
  if (!(await running())) return;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      temporal.client.withAbortSignal(abort.signal, () => handle.result()).then(
        () => undefined,
        () => undefined,
      ),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, endingWaitMs))),
    ]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  if (await running()) throw erasureEnding();
}

/**
 * Starts the erasure's workflow with the record's run token; one already open is this erasure's (the
 * record is `running`, and its last failed run had closed before it was reopened). A start that fails
 * answers 503 `unavailable` naming the erasure: asking again (or reading its status) starts it.
 */
export async function startErasureWorkflow(temporal: TemporalHandle, input: ClientErasureInput, workflowId: string, runToken: string | null): Promise<ErasureStart> {
  try {
    await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      ...(runToken ? { memo: { [RUN_TOKEN_MEMO]: runToken } } : {}),
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already_running';
    throw erasureUnavailable(input.erasureId);
  }
}
