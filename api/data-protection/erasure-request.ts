/**
 * Recording a client erasure request (docs/data-export-and-erasure.md, "Client erasure"), in a
 * transaction of its own: its workflow is started after the commit (erasure-start.ts), so no audited
 * write of the firm waits for Temporal. The request first looks at the erasure's run in Temporal
 * (erasure-run.ts); what it decides from that and the record is written here, with its audit event,
 * in the same transaction, before any start:
 * - no erasure yet: created (`client.erasure_requested`), started;
 * - `failed`, its last run closed: reopened to `running` (`client.erasure_requested`), started; its
 *   last run still open: answered `failed` with nothing written (the caller waits for it to close);
 * - `running`, its own run closed without recording the outcome: restarted (`client.erasure_requested`,
 *   a new run token), started; also when Temporal has no run of it and its start is not recorded as
 *   refused (it may have run and been forgotten: erasure-run.ts);
 * - `running`, its start refused by Temporal (recorded by the request that saw it fail): started, not
 *   audited again (the decision that recorded it was);
 * - `running`, its run open: answered as it is.
 * Each decision writes a new run token: a second request that saw the same closed run finds the token
 * changed, so it starts the one recorded run and audits nothing (one audit per real restart). A reopen
 * or restart also writes `client.erasure_restarted` (why, the old run and the new one).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ERASURE_RESTARTED_EVENT, lockClientErasure } from '../../db/client-erasure';
import { Client } from '../../db/models/client';
import { setAuditAction } from '../../db/tenant';
import { clientErasureWorkflowId } from '../../workflows/client-erasure-definitions';
import { ApiError, invalidRules, notFound } from '../errors';
import { committedErasure, ERASURE_RECORD_COLUMNS, type ErasureRecord } from './erasure-resume';
import { recordAuditEvent } from '../../db/audit';
import { recordStartedRun, runningRecordState, seesOwnRun, type LookedRecord, type RunEnded, type SeenRun } from './erasure-run';

export type RecordedErasure = {
  erasureId: string;
  firmId: string;
  clientId: string;
  workflowId: string;
  status: string;
  /** `created`, `reopened` (failed → running) or `restarted` (its run had ended) by this request, each audited as `client.erasure_requested`; `none`: nothing written. */
  change: 'created' | 'reopened' | 'restarted' | 'none';
  /** Start the workflow (with `runToken` in its memo): the record says running and no run of its own is open. */
  start: boolean;
  runToken: string | null;
};

export type ErasureRequest = {
  firmId: string;
  clientId: string;
  reason: string;
  confirmName: string;
  requestedBy: string;
  seen: SeenRun | 'unknown';
  /** The record's run bookkeeping, read before `seen` (erasure-run.ts, lookedRecord). */
  looked: LookedRecord | null;
};

export const erasureUnavailable = (erasureId: string) =>
  new ApiError(503, 'unavailable', 'The erasure is recorded but its work could not be started: ask again to start it.', { erasureId });

/** The client's erasure, under the per-client lock, and what this request does with it (see above). */
export async function recordErasure(trx: Knex.Transaction, input: ErasureRequest): Promise<RecordedErasure> {
  const client = await Client.query().findById(input.clientId);
  let row: ErasureRecord | undefined;
  if (!client) {
    // The client is gone: its deletion committed. A failure after it (files, certification) is
    // resumed by the same request; the workflow's deletion step sees the committed deletion and
    // deletes nothing again, and the certification recounts before it signs. The reason and the
    // confirmed name are the first request's (erasure-resume.ts).
    row = (await committedErasure(trx, input.firmId, input.clientId)) ?? undefined;
    if (!row) throw notFound('No such client.');
  } else {
    if (input.confirmName !== client.name) throw invalidRules({ confirmName: "must equal the client's name exactly" }, "Type the client's name to confirm the erasure.");
    await lockClientErasure(trx, client.id);
    row = (await trx('client_erasures').where({ client_id: client.id }).first(...ERASURE_RECORD_COLUMNS)) as ErasureRecord | undefined;
  }
  const found = { firmId: input.firmId, clientId: input.clientId, workflowId: clientErasureWorkflowId(input.firmId, input.clientId) };
  if (!row) {
    const runToken = randomUUID();
    await setAuditAction(trx, 'client.erasure_requested');
    const [inserted] = (await trx('client_erasures')
      .insert({ firm_id: client!.firmId, client_id: client!.id, workflow_id: found.workflowId, reason: input.reason, requested_by: input.requestedBy, run_token: runToken })
      .returning('id')) as Array<{ id: string }>;
    await setAuditAction(trx, null);
    return { ...found, erasureId: inserted!.id, status: 'running', change: 'created', start: true, runToken };
  }
  const same = { ...found, workflowId: row.workflow_id, erasureId: row.id, status: row.status, runToken: row.run_token };
  if (row.status === 'completed') return { ...same, change: 'none', start: false };
  const seen = input.seen;
  if (seen === 'unknown') throw erasureUnavailable(row.id);
  if (row.status === 'failed') {
    // Its last run records `failed` a moment before it closes: reopened only once it has closed.
    if (seen.state === 'open') return { ...same, change: 'none', start: false };
    // Asking again after a failure resumes the same erasure (its steps are idempotent).
    const runToken = await recordDecision(trx, row, { status: 'running', failure_reason: null }, { why: 'failed', previousRunId: seen.state === 'closed' ? seen.runId : null, startRecorded: row.started_run_token === row.run_token });
    return { ...same, status: 'running', change: 'reopened', start: true, runToken };
  }
  // A run of the current token seen while Temporal still has it: its start is recorded, so the record
  // is not taken for one never started once Temporal forgets the run (erasure-run.ts).
  if (seesOwnRun(row, seen)) await recordStartedRun(trx, row.id, row.run_token);
  const state = runningRecordState(row.run_token, seen, input.looked);
  if (state.state === 'running') return { ...same, change: 'none', start: false };
  if (state.state === 'not_started') return { ...same, change: 'none', start: true };
  // Its own run closed while the record says running (terminated, or its last write lost), or Temporal
  // has no run of it and its start is not known to have been refused (it ended and was forgotten,
  // perhaps terminated before its first step): restarted.
  const runToken = await recordDecision(trx, row, {}, state);
  return { ...same, change: 'restarted', start: true, runToken };
}

/**
 * A new run token with the state change, audited as a request in the same transaction, and the
 * restart itself as `client.erasure_restarted`: why the last run is taken for ended (its status in
 * Temporal, `not_found_in_temporal`, or `failed`), the old run (token, Temporal's run id when known,
 * whether its start was recorded) and the new run's token. Written once per decision: the record's
 * token changes with it, so a retry or a second request finds the new token, not the ended run.
 */
async function recordDecision(trx: Knex.Transaction, row: ErasureRecord, change: Record<string, unknown>, ended: Pick<RunEnded, 'why' | 'previousRunId' | 'startRecorded'>): Promise<string> {
  const runToken = randomUUID();
  await setAuditAction(trx, 'client.erasure_requested');
  await trx('client_erasures')
    .where({ id: row.id, firm_id: row.firm_id, status: row.status })
    .update({ ...change, run_token: runToken, updated_at: trx.fn.now() });
  await setAuditAction(trx, null);
  await recordAuditEvent(trx, {
    action: ERASURE_RESTARTED_EVENT,
    entityType: 'client_erasure',
    entityId: row.id,
    after: {
      erasureId: row.id,
      why: ended.why,
      previousRun: { runToken: row.run_token, runId: ended.previousRunId, startRecorded: ended.startRecorded },
      newRun: { runToken },
    },
  });
  return runToken;
}
