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


/** Starts a request's workflow: one run per request, so an id that ran before is refused (WorkflowExecutionAlreadyStartedError). */
export async function startCloseWorkflow(temporal: TemporalHandle, workflowId: string, input: PeriodCloseInput): Promise<void> {
  const options = { taskQueue: temporal.taskQueue, workflowId, args: [input] as [PeriodCloseInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
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

/** A validator's refusal (or the same rule checked here, api/periods/routes.ts) as the api's error, audited. */
export function refusalError(kind: DecisionKind, failure: { type?: string | null; message: string }, request: CloseRequest, args: DecisionArgs): ApiError {
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
    // The body was well formed (a note is optional); the firm's self-approval rule wants one: 422 (docs/api.md).
    case REFUSAL.noteRequired:
      return unprocessable('note_required', failure.message, { fields: { note: 'required for a self-approval' } }).withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    // The body's schema already requires a reason, so this is the same malformed input: 400.
    case REFUSAL.reasonRequired:
      return invalidInput({ fields: { reason: 'required' } }, failure.message).withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    case REFUSAL.notPending:
      return unprocessable('close_request_not_pending', 'This close request has already been decided, withdrawn or expired.').withAudit({ ...audit, action: REFUSED_ACTION[kind] });
    default:
      return new ApiError(500, 'internal_error', `The close workflow refused the step: ${failure.message}`);
  }
}

/**
 * The request's workflow is not running (ended, terminated by ops, or unknown to Temporal after a
 * restore) although the row said pending: nothing can decide the request any more.
 */
export class CloseWorkflowGone extends Error {
  constructor(readonly workflowStatus: string) {
    super(`the close workflow is not running (${workflowStatus})`);
    this.name = 'CloseWorkflowGone';
  }
}

/** The workflow's status as Temporal tells it (`RUNNING`, `COMPLETED`, `TERMINATED`, …), or `NOT_FOUND`. */
export async function closeWorkflowStatus(temporal: TemporalHandle, workflowId: string): Promise<string> {
  try {
    const description = await waitWithinDeadline(temporal, () => temporal.client.workflow.getHandle(workflowId).describe());
    return description.status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

/** The reason an abandoned request records (docs/period-close.md, "A request whose workflow ended"). */
export function abandonReason(workflowStatus: string): string {
  const how = workflowStatus === 'NOT_FOUND' ? 'is unknown to Temporal' : `ended (${workflowStatus.toLowerCase()})`;
  return `the close request's workflow ${how} without a decision: nothing was decided; request a new close`;
}

/**
 * Sends a decision to the request's workflow and waits for its result (the activity has committed
 * by then). Throws CloseWorkflowGone when the workflow is not running.
 */
export async function sendDecision(temporal: TemporalHandle, request: CloseRequest, kind: DecisionKind, args: DecisionArgs): Promise<DecisionResult> {
  const handle = temporal.client.workflow.getHandle(request.workflowId);
  try {
    return await waitWithinDeadline(temporal, () => handle.executeUpdate(UPDATES[kind], { args: [args] }));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw refusalError(kind, error.cause, request, args);
    // Temporal answers NOT_FOUND both for an unknown workflow and for one that already completed
    // ("workflow execution already completed"); ask which, for the reason the request records.
    if (error instanceof WorkflowNotFoundError) {
      const status = await closeWorkflowStatus(temporal, request.workflowId);
      if (status !== 'RUNNING') throw new CloseWorkflowGone(status);
    }
    throw error;
  }
}
