/**
 * Asking for a period's close (docs/period-close.md, "Asking for a close"): the request is recorded
 * in a transaction of its own and its workflow is started after that commit. The record is an
 * audited write, which holds the firm's audit lock to its commit: a Temporal call (a start, or the
 * status of the pending request's workflow) inside it would make every audited write of the firm
 * wait for Temporal (docs/architecture.md, "Locks").
 *
 * A start that fails after the commit leaves the request pending with no workflow: the answer is
 * 503 `unavailable` naming it, and asking again finds it, sees that Temporal does not know its
 * workflow and starts it (the workflow id is the request's, and a request runs at most one workflow:
 * a start that did happen is found, never doubled).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Client } from '../../db/models/client';
import type { CloseRequest } from '../../db/models/close-request';
import { abandonCloseRequest, lockPeriod, pendingRequest, recordCloseRequest } from '../../db/period-close';
import { currentEvidence } from '../../db/period-evidence';
import { periodCloseWorkflowId, type CloseActor, type CloseTimers, type PeriodCloseInput } from '../../workflows/period-close-definitions';
import { closableFrom as closableFromOf, closePeriodProblem } from '../../domain/periods';
import { ApiError, beforeGstPeriod, unprocessable } from '../errors';
import type { TemporalHandle } from '../temporal-client';
import { periodClosed } from './lock';
import { closeWorkflowStatus, startCloseWorkflow } from './workflow-client';

/** A pending close request and what its workflow is started with. */
export type RecordedClose = { closeRequestId: string; workflowId: string; input: PeriodCloseInput; fresh: boolean };

/** A pending request whose workflow was found ended, to abandon (under the period's lock) before recording a new one. */
export type EndedRequest = { closeRequestId: string; reason: string };

function recordedOf(request: CloseRequest, firmId: string, timers: CloseTimers, fresh: boolean): RecordedClose {
  const requestedBy: CloseActor = { userId: request.requestedBy, email: request.requestedByEmail, role: request.requestedByRole };
  return {
    closeRequestId: request.id,
    workflowId: request.workflowId,
    fresh,
    input: { firmId, clientId: request.clientId, period: request.period, closeRequestId: request.id, requestedBy, evidenceHash: request.evidenceHash, timers },
  };
}

/**
 * A period is closed once it is over (domain/periods.ts `closePeriodProblem`, checked on the IST
 * date): a month before GST is no period at all (400 `invalid_input`), and one still running, or
 * ahead, is a valid period its time refuses (422 `period_not_ended`, with the first day it can be
 * closed). Checked before the period's row is locked or created, so a refusal writes nothing. The
 * close route refused a pre-GST month already (routes.ts `findClient`, before the quarter rule); an
 * approval, whose request's period comes from the database, is refused here.
 */
export function assertClosable(period: string, today: string): void {
  const problem = closePeriodProblem(period, today);
  if (problem === 'before_gst') throw beforeGstPeriod(period, 'GST period to close');
  if (problem === 'not_ended') {
    const closableFrom = closableFromOf(period);
    throw unprocessable('period_not_ended', `Period ${period} has not ended yet: it can be closed from ${closableFrom}, once its last day is over (IST).`, {
      period,
      closableFrom,
      fields: { period: `not over yet: it can be closed from ${closableFrom}` },
    });
  }
}

/**
 * In the caller's transaction: the period's pending request, or a new one recorded (audited as
 * `period.close_requested`). The period row lock serialises double clicks: the second waits, then
 * finds the first. `ended` (the pending request an earlier look found with its workflow ended) is
 * abandoned first when it is still the pending one, in this transaction with the new request.
 */
export async function recordClose(trx: Knex.Transaction, input: { client: Client; period: string; actor: CloseActor; note: string | null; timers: CloseTimers; ended?: EndedRequest; today: string }): Promise<RecordedClose> {
  const { client, period: key } = input;
  // A pending request is answered first, whatever the date: a double click or a replay gets the
  // request already recorded, as docs/api.md promises (one recorded before the close window).
  const already = await pendingRequest(client.id, key);
  if (already && already.id !== input.ended?.closeRequestId) return recordedOf(already, client.firmId, input.timers, false);
  // Checked before the period's row is locked or created, so a refusal writes nothing but its audit
  // event, as every refused close request (reconciliation_missing below, an early approval in routes.ts).
  try {
    assertClosable(key, input.today);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'period_not_ended') throw error;
    throw error.withAudit({ action: 'period.close_request_refused', entityType: 'period', entityId: null, after: { clientId: client.id, period: key, refusal: 'period_not_ended', closableFrom: error.details?.closableFrom } });
  }
  let period = await lockPeriod(trx, client.id, key);
  if (period.state === 'closed') throw periodClosed(key);
  const existing = period.state === 'close_requested' ? await pendingRequest(client.id, key) : undefined;
  if (existing && existing.id !== input.ended?.closeRequestId) return recordedOf(existing, client.firmId, input.timers, false);
  if (existing) {
    // Nothing can decide that one any more: it ends as abandoned, in this transaction with the new request.
    await abandonCloseRequest(trx, existing.id, input.ended!.reason);
    period = await lockPeriod(trx, client.id, key);
  }
  const found = await currentEvidence(trx, client.id, key);
  if (!found.ok) {
    throw unprocessable('reconciliation_missing', "Close needs a completed reconciliation of the period's latest register and GSTR-2B imports.", {
      missing: found.missing,
      ...found.imports,
    }).withAudit({ action: 'period.close_request_refused', entityType: 'period', entityId: null, after: { clientId: client.id, period: key, refusal: 'reconciliation_missing', missing: found.missing } });
  }
  const closeRequestId = randomUUID();
  const workflowId = periodCloseWorkflowId(client.firmId, client.id, key, closeRequestId);
  await recordCloseRequest(trx, { period, closeRequestId, actor: input.actor, note: input.note, evidence: found.evidence, evidenceHash: found.hash, workflowId });
  return { closeRequestId, workflowId, fresh: true, input: { firmId: client.firmId, clientId: client.id, period: key, closeRequestId, requestedBy: input.actor, evidenceHash: found.hash, timers: input.timers } };
}

/** 503 `unavailable` naming the recorded request (docs/api.md): asking again starts its workflow. */
export function closeUnavailable(closeRequestId: string): ApiError {
  return new ApiError(503, 'unavailable', 'The close request is recorded but its workflow could not be started: ask again to start it.', { closeRequestId });
}

/**
 * After the commit of its record: what the request's workflow is, `RUNNING` once this call returns,
 * or the status of a workflow that ended without a decision (the caller abandons the request). A
 * request Temporal does not know (its start failed, or never happened) is started here.
 */
export async function ensureCloseWorkflow(temporal: TemporalHandle, recorded: RecordedClose): Promise<string> {
  try {
    if (!recorded.fresh) {
      const status = await closeWorkflowStatus(temporal, recorded.workflowId);
      if (status !== 'NOT_FOUND') return status;
    }
    await startCloseWorkflow(temporal, recorded.workflowId, recorded.input);
    return 'RUNNING';
  } catch (error) {
    // Started meanwhile by another ask (or it ran and ended: the next ask finds it ended).
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'RUNNING';
    throw closeUnavailable(recorded.closeRequestId);
  }
}
