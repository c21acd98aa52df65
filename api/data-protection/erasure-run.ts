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
import { lockKey } from '../../db/advisory-lock';
import { recordStartedRun } from '../../db/client-erasure';
import { ERASURE_RUN_TOKEN_MEMO } from '../../workflows/client-erasure-definitions';
import type { TemporalHandle } from '../temporal-client';

/** The memo key of the run token (shared with the workflow and the firm deletion's children). */
export const RUN_TOKEN_MEMO = ERASURE_RUN_TOKEN_MEMO;

/** The erasure's latest run: none, or open / closed with the token its start carried (null: none). */
export type SeenRun = { state: 'none' } | { state: 'open' | 'closed'; token: string | null; status: string; runId: string };

/** What Temporal describes of the workflow's latest run; `unknown` when Temporal does not answer. */
export async function seeRun(temporal: TemporalHandle, workflowId: string): Promise<SeenRun | 'unknown'> {
  try {
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    const token = description.memo?.[RUN_TOKEN_MEMO];
    return { state: description.status.name === 'RUNNING' ? 'open' : 'closed', token: typeof token === 'string' ? token : null, status: description.status.name, runId: description.runId };
  } catch (error) {
    if ((error as { name?: string }).name === 'WorkflowNotFoundError') return { state: 'none' };
    return 'unknown';
  }
}

/** The record's run bookkeeping as read before Temporal was asked (see `runningRecordState`). */
export type LookedRecord = { run_token: string | null; started_run_token: string | null; start_failed_run_token: string | null };

/** Why a `running` record's run counts as ended: Temporal's status of its closed run, or `not_found_in_temporal`. */
export type RunEnded = { state: 'ended'; why: string; previousRunId: string | null; startRecorded: boolean };

/**
 * For a `running` record: `running` when its run is open; `ended` when its own run (the same token)
 * closed without recording the outcome, or when Temporal has no run of it and its start cannot be shown
 * never to have happened; `not_started` when no run carries its token and its start is known not to have
 * happened: the api saw Temporal refuse it (`start_failed_run_token`), or the decision was made after
 * this look (its own request starts it), or the record has no token (runs without a memo).
 *
 * "No run" alone cannot tell a start that never happened from a run that was accepted, ended (perhaps
 * terminated before its first step recorded its start) and was forgotten after the namespace's
 * retention. So unless the start is recorded as refused, no run of the current token is a run that
 * ended: restarted with its audit event, never started silently (docs/data-export-and-erasure.md,
 * "When nothing runs").
 *
 * `looked` must be read before `seen`: a start recorded after Temporal was asked may be of a run
 * Temporal did not have yet, and a token that changed since (another decision) is not the one Temporal
 * was asked about, so neither is taken for a forgotten run.
 */
export function runningRecordState(recordToken: string | null, seen: SeenRun, looked: LookedRecord | null): { state: 'running' } | { state: 'not_started' } | RunEnded {
  if (seen.state !== 'none' && seen.token === recordToken) {
    return seen.state === 'open' ? { state: 'running' } : { state: 'ended', why: seen.status.toLowerCase(), previousRunId: seen.runId, startRecorded: true };
  }
  // Another token's run is open: the start of this one finds it (as before run tokens were recorded).
  if (seen.state === 'open') return { state: 'not_started' };
  // Only a token the api wrote can be known to have started (runs without a token carry no memo).
  if (recordToken === null || looked?.run_token !== recordToken) return { state: 'not_started' };
  if (looked.started_run_token === recordToken) return { state: 'ended', why: 'not_found_in_temporal', previousRunId: null, startRecorded: true };
  if (looked.start_failed_run_token === recordToken) return { state: 'not_started' };
  return { state: 'ended', why: 'not_found_in_temporal', previousRunId: null, startRecorded: false };
}

/** The client's erasure's run bookkeeping (read before Temporal is asked: see above); null when it has none. */
export async function lookedRecord(trx: Knex, clientId: string): Promise<LookedRecord | null> {
  const row = (await trx('client_erasures').where({ client_id: clientId }).first('run_token', 'started_run_token', 'start_failed_run_token')) as LookedRecord | undefined;
  return row ?? null;
}

/**
 * One look-decide-start of a client's erasure at a time (requests and status reads), held from before
 * the look at Temporal until the start's outcome is recorded, in a transaction that writes nothing (so
 * it holds no audit lock). Without it a second request could look while the first one's start is in
 * flight, find no run of the new token, and take it for a run that ended: a second restart. Taken
 * before the client's erasure lock, never while holding it.
 */
export async function lockErasureStart(trx: Knex.Transaction, clientId: string): Promise<void> {
  await lockKey(trx, `taalmel.erasure-start:${clientId}`);
}

/**
 * After the api's start of the run of `runToken` failed: if Temporal has a run of it all the same (a
 * start accepted whose answer was lost), its start is recorded; otherwise the refusal is, so that the
 * next look starts that decision rather than taking it for a run that ended. Quiet columns (migration
 * 039, 045), fenced by the token.
 */
export async function recordFailedStart(trx: Knex, temporal: TemporalHandle, workflowId: string, erasureId: string, runToken: string | null): Promise<void> {
  if (!runToken) return;
  const seen = await seeRun(temporal, workflowId);
  if (seen === 'unknown') return;
  if (seen.state !== 'none' && seen.token === runToken) return recordStartedRun(trx, erasureId, runToken);
  await trx('client_erasures').where({ id: erasureId, run_token: runToken }).whereRaw('started_run_token is distinct from ?::uuid', [runToken]).update({ start_failed_run_token: runToken });
}

/** Records that the run of a token started (db/client-erasure.ts: the workflow records it too). */
export { recordStartedRun };

/** True when Temporal shows a run carrying the record's current token not yet recorded as started. */
export function seesOwnRun(record: { run_token: string | null; started_run_token: string | null }, seen: SeenRun): boolean {
  return seen.state !== 'none' && record.run_token !== null && seen.token === record.run_token && record.started_run_token !== record.run_token;
}
