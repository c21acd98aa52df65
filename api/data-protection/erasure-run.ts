/**
 * What Temporal says of a client erasure's run, compared with the erasure's record
 * (docs/data-export-and-erasure.md, "Client erasure"). The api starts each run with the record's
 * `run_token` in the run's memo (migration 035), so the record tells which run is its own: a request
 * or a status read can tell "this decision's run ended without recording its outcome" from "this
 * decision's run was never started" (its start failed after the commit), and neither is mistaken for
 * the other.
 */
import type { TemporalHandle } from '../temporal-client';

/** The memo key of the run token. */
export const RUN_TOKEN_MEMO = 'erasureRunToken';

/** The erasure's latest run: none, or open / closed with the token its start carried (null: none). */
export type SeenRun = { state: 'none' } | { state: 'open' | 'closed'; token: string | null; status: string };

/** What Temporal describes of the workflow's latest run; `unknown` when Temporal does not answer. */
export async function seeRun(temporal: TemporalHandle, workflowId: string): Promise<SeenRun | 'unknown'> {
  try {
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    const token = description.memo?.[RUN_TOKEN_MEMO];
    return { state: description.status.name === 'RUNNING' ? 'open' : 'closed', token: typeof token === 'string' ? token : null, status: description.status.name };
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return { state: 'none' };
    return 'unknown';
  }
}

/**
 * For a `running` record: `running` when its run is open; `ended` when its own run (the same token)
 * closed without recording the outcome; `not_started` when no run carries its token (never started,
 * or only older runs of the erasure exist).
 */
export function runningRecordState(recordToken: string | null, seen: SeenRun): 'running' | 'ended' | 'not_started' {
  if (seen.state === 'none' || seen.token !== recordToken) return 'not_started';
  return seen.state === 'open' ? 'running' : 'ended';
}
