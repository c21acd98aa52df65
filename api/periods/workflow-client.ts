/**
 * The api's calls into the period-close workflow: start one per close request, and send the human
 * steps as updates. The validators' refusals come back as failures whose type names the rule;
 * they become the api's errors here, with an audit record (a refused update leaves no history).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CloseRequest } from '../../db/models/close-request';
import {
  approveUpdate,
  PERIOD_CLOSE_WORKFLOW,
  REFUSAL,
  rejectUpdate,
  withdrawUpdate,
  type DecisionArgs,
  type DecisionKind,
  type DecisionResult,
  type PeriodCloseInput,
} from '../../workflows/period-close-definitions';
import { tenantSearchAttributes } from '../../workflows/search-attribute-definitions';
import { ApiError, forbidden, invalidInput, unprocessable } from '../errors';
import { waitWithinDeadline } from '../middleware/deadline';
import type { TemporalHandle } from '../temporal-client';


export async function startCloseWorkflow(temporal: TemporalHandle, workflowId: string, input: PeriodCloseInput): Promise<void> {
  const options = { taskQueue: temporal.taskQueue, workflowId, args: [input] as [PeriodCloseInput] };
  const typedSearchAttributes = tenantSearchAttributes(input);
  try {
    await temporal.client.workflow.start(PERIOD_CLOSE_WORKFLOW, { ...options, typedSearchAttributes });
  } catch (error) {
    // A Temporal server without our search attributes registered (ops/temporal-dev-server.ts does it
    // for the dev server) refuses the start; the workflow still works without them.
    if (!/search attribute/i.test((error as Error).message)) throw error;
    await temporal.client.workflow.start(PERIOD_CLOSE_WORKFLOW, options);
  }
}

const UPDATES = { approve: approveUpdate, reject: rejectUpdate, withdraw: withdrawUpdate };
const REFUSED_ACTION: Record<DecisionKind, string> = { approve: 'period.approval_refused', reject: 'period.rejection_refused', withdraw: 'period.withdrawal_refused' };

function refusalError(kind: DecisionKind, failure: ApplicationFailure, request: CloseRequest, args: DecisionArgs): ApiError {
  const audit = {
    entityType: 'close_request',
    entityId: request.id,
    after: { clientId: request.clientId, period: request.period, fromState: 'close_requested', toState: 'close_requested', refusal: failure.type, note: args.note ?? null, evidenceHash: request.evidenceHash },
  };
  switch (failure.type) {
    case REFUSAL.selfApproval:
      return forbidden('self_approval_forbidden', failure.message).withAudit({ ...audit, action: 'period.self_approval_refused' });
    case REFUSAL.forbidden:
      return forbidden('forbidden', failure.message).withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    case REFUSAL.noteRequired:
      return invalidInput({ fields: { note: 'required for a self-approval' } }, failure.message).withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    case REFUSAL.reasonRequired:
      return invalidInput({ fields: { reason: 'required' } }, failure.message).withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    case REFUSAL.notPending:
      return unprocessable('close_request_not_pending', 'This close request has already been decided, withdrawn or expired.').withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    default:
      return new ApiError(500, 'internal_error', `The close workflow refused the step: ${failure.message}`);
  }
}

/** Sends a decision to the request's workflow and waits for its result (the activity has committed by then). */
export async function sendDecision(temporal: TemporalHandle, request: CloseRequest, kind: DecisionKind, args: DecisionArgs): Promise<DecisionResult> {
  const handle = temporal.client.workflow.getHandle(request.workflowId);
  try {
    return await waitWithinDeadline(temporal, () => handle.executeUpdate(UPDATES[kind], { args: [args] }));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw refusalError(kind, error.cause, request, args);
    // The workflow ended (or ops terminated it) although the row still says pending.
    if (error instanceof WorkflowNotFoundError) throw unprocessable('close_request_not_pending', 'This close request is no longer waiting for a decision.');
    throw error;
  }
}
