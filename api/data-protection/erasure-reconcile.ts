/**
 * A status read that closes the gaps a `running` erasure can be left in (docs/data-export-and-erasure.md,
 * "When nothing runs"): its record says `running`, but
 * - its workflow was never started: the start failed after the record committed (503 to the
 *   request), or the api stopped between the commit and the start. The read starts it, with the
 *   record's run token: the decision to run was recorded and audited by the request, and the id is
 *   the client's, so a start that does happen meanwhile is found, never doubled;
 * - its own run closed without recording the outcome (terminated by an operator, timed out, or its
 *   last write to the record failed), or its run is known to have started and Temporal has forgotten
 *   it since (its retention): the read records `failed` with why, and asking again resumes it (a new
 *   request, audited as such). A restart is the firm admin's decision, never a read's.
 * Temporal not answering leaves the record as it is. The record is compared with Temporal by the run
 * token (erasure-run.ts), so an older run of the erasure is never taken for its current one.
 */
import type { Knex } from 'knex';
import { lockClientErasure } from '../../db/client-erasure';
import type { TemporalHandle } from '../temporal-client';
import { startErasureWorkflow } from './erasure-start';
import { lockErasureStart, recordFailedStart, recordStartedRun, runningRecordState, seeRun, seesOwnRun } from './erasure-run';
import type { ErasureRow } from './present';

export async function reconcileErasure(deps: { temporal: TemporalHandle; cancelGraceSeconds?: number }, trx: Knex.Transaction, read: ErasureRow): Promise<ErasureRow> {
  if (read.status !== 'running') return read;
  // One look-decide-start at a time, as the requests take it (erasure-run.ts, lockErasureStart): a
  // request's start in flight is waited for, not taken for a run that ended. Then the record again.
  await lockErasureStart(trx, read.client_id);
  const row = (await trx('client_erasures').where({ id: read.id }).first()) as ErasureRow;
  if (row.status !== 'running') return row;
  const seen = await seeRun(deps.temporal, row.workflow_id);
  if (seen === 'unknown') return row;
  // A run of the current token seen: recorded as started, for when Temporal has forgotten it (erasure-run.ts).
  // Under the client's erasure lock, taken before the row as a request takes them (docs/architecture.md,
  // "Locks"): holding the row and then waiting for that lock (the `ended` path below) while a request
  // holds the lock and waits for the row would deadlock.
  if (seesOwnRun(row, seen)) {
    await lockClientErasure(trx, row.client_id);
    await recordStartedRun(trx, row.id, row.run_token);
  }
  // The row was read before Temporal was asked: its recorded start (or refusal) is one Temporal had been told of.
  const state = runningRecordState(row.run_token, seen, row);
  if (state.state === 'not_started') {
    const input = { firmId: row.firm_id, clientId: row.client_id, erasureId: row.id, cancelGraceSeconds: deps.cancelGraceSeconds };
    const start = await startErasureWorkflow(deps.temporal, input, row.workflow_id, row.run_token).catch(() => 'failed' as const);
    if (start === 'started') await recordStartedRun(trx, row.id, row.run_token);
    if (start === 'failed') await recordFailedStart(trx, deps.temporal, row.workflow_id, row.id, row.run_token);
    return row;
  }
  if (state.state === 'running') return row;
  const ended =
    state.why !== 'not_found_in_temporal'
      ? `ended (${state.why})`
      : state.startRecorded
        ? 'ended and Temporal no longer keeps its run'
        : 'is not in Temporal, and its start was never confirmed (it may have run and been forgotten)';
  // The same lock as the requests: one that restarts the erasure meanwhile changes the token, and this write then finds nothing.
  await lockClientErasure(trx, row.client_id);
  const [failed] = (await trx('client_erasures')
    .where({ id: row.id, status: 'running', run_token: row.run_token })
    .update({
      status: 'failed',
      failure_reason: `the erasure's work ${ended} without recording its outcome: ask again to resume it`,
      updated_at: trx.fn.now(),
    })
    .returning('*')) as ErasureRow[];
  return failed ?? ((await trx('client_erasures').where({ id: row.id }).first()) as ErasureRow);
}
