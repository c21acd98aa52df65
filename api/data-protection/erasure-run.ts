/**
 * What Temporal says of a client erasure's run, compared with the erasure's record
 * (docs/data-export-and-erasure.md, "Client erasure"). The api starts each run with the record's
 * `run_token` in the run's memo (migration 035), so the record tells which run is its own: a request
 * or a status read can tell "this decision's run ended without recording its outcome" from "this
 * decision's run was never started" (its start failed after the commit), and neither is mistaken for
 * the other.
 *
 * Temporal forgets a closed run after the namespace's retention, so "no run" alone cannot tell a start
 * that never happened from a run that ended and was forgotten. The record therefore also keeps the
 * token whose start Temporal accepted, or whose run was seen (`started_run_token`, migration 039): a
 * current token known to have started, with no run of it left in Temporal, is a run that ended.
 */
import type { Knex } from 'knex';
import { recordStartedRun } from '../../db/client-erasure';
import { ERASURE_RUN_TOKEN_MEMO } from '../../workflows/client-erasure-definitions';
import type { TemporalHandle } from '../temporal-client';

/** The memo key of the run token (shared with the workflow and the firm deletion's children). */
export const RUN_TOKEN_MEMO = ERASURE_RUN_TOKEN_MEMO;

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
 * closed without recording the outcome, or when Temporal has no run of it although its start was
 * recorded before Temporal was asked (`knownStarted`: forgotten after the namespace's retention);
 * `not_started` when no run carries its token and none was known to start (never started, or only
 * older runs of the erasure exist).
 *
 * `knownStarted` must be read before `seen`: a start recorded after Temporal was asked may be of a run
 * Temporal did not have yet, and a token that changed since (another request's decision) is not the
 * one Temporal was asked about, so neither is taken for a forgotten run.
 */
export function runningRecordState(recordToken: string | null, seen: SeenRun, knownStarted: string | null): 'running' | 'ended' | 'not_started' {
  if (seen.state !== 'none' && seen.token === recordToken) return seen.state === 'open' ? 'running' : 'ended';
  // Another token's run is open: the start of this one finds it (as before run tokens were recorded).
  if (seen.state === 'open') return 'not_started';
  // Only a token the api wrote can be known to have started (runs without a token carry no memo).
  return recordToken !== null && knownStarted === recordToken ? 'ended' : 'not_started';
}

/** The client's erasure's current run token when its start is recorded (read before Temporal is asked: see above); null otherwise. */
export async function knownStartedToken(trx: Knex, clientId: string): Promise<string | null> {
  const row = (await trx('client_erasures').where({ client_id: clientId }).whereRaw('started_run_token = run_token').first('run_token')) as { run_token: string } | undefined;
  return row?.run_token ?? null;
}

/** Records that the run of a token started (db/client-erasure.ts: the workflow records it too). */
export { recordStartedRun };

/** True when Temporal shows a run carrying the record's current token not yet recorded as started. */
export function seesOwnRun(record: { run_token: string | null; started_run_token: string | null }, seen: SeenRun): boolean {
  return seen.state !== 'none' && record.run_token !== null && seen.token === record.run_token && record.started_run_token !== record.run_token;
}
