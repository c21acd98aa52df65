/**
 * The api's calls into a notice's workflow: start it once per notice (the id comes from the business
 * key, and an existing run is used), and send each human step as an update. The validators' refusals
 * become the api's errors here, with an audit record (a refused update leaves no history).
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { NoticeRow } from '../../db/notices';
import { calendarChangedSignal, NOTICE_REFUSAL, NOTICE_WORKFLOW, stepUpdate, type NoticeRefusalDetails, type NoticeWorkflowInput, type StepArgs, type StepKind, type StepResult } from '../../workflows/notice-definitions';
import { ApiError, conflict, forbidden, invalidInput, notFound, unprocessable } from '../errors';
import { waitWithinDeadline } from '../middleware/deadline';
import type { TemporalHandle } from '../temporal-client';

export async function startNoticeWorkflow(temporal: TemporalHandle, workflowId: string, input: NoticeWorkflowInput): Promise<void> {
  await temporal.client.workflow.start(NOTICE_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
}

/**
 * The state the workflow judged the step on (its message names it): the api's row was read before the
 * step was sent, and a double click's other step may have moved the notice since. Failures without it
 * (the activity's re-checks) fall back to the row.
 */
function judgedState(failure: ApplicationFailure, row: NoticeRow): string {
  const details = failure.details?.[0] as Partial<NoticeRefusalDetails> | undefined;
  return typeof details?.state === 'string' ? details.state : row.state;
}

function refusalError(kind: StepKind, failure: ApplicationFailure, row: NoticeRow): ApiError {
  const state = judgedState(failure, row);
  const audit = { entityType: 'notice', entityId: row.id, after: { state, step: kind, refusal: failure.type } };
  switch (failure.type) {
    case NOTICE_REFUSAL.selfApproval:
      return forbidden('self_approval_forbidden', failure.message).withAudit({ ...audit, action: 'notice.self_approval_refused' });
    case NOTICE_REFUSAL.forbidden:
      return forbidden('forbidden', failure.message).withAudit({ ...audit, action: `notice.${kind}_refused` });
    case NOTICE_REFUSAL.alreadyFiled:
      // The filing route answers the same filing again as the first (api/notices/filing.ts).
      return conflict('already_filed', failure.message, { state }).withAudit({ ...audit, action: `notice.${kind}_refused` });
    case NOTICE_REFUSAL.commentRequired:
      return invalidInput({ fields: { comment: 'required' } }, failure.message);
    case 'not_found':
      return notFound('No such notice.');
    case NOTICE_REFUSAL.factsInconsistent: {
      // Dates another change committed first now contradict (activities/notices.ts): named as the api's own check names them.
      const fields = (failure.details?.[0] as { fields?: Record<string, string> } | undefined)?.fields ?? {};
      return unprocessable(failure.type, 'The dates or forms given contradict each other or the notice.', { fields }).withAudit({ ...audit, action: `notice.${kind}_refused` });
    }
    case NOTICE_REFUSAL.noReply:
    case NOTICE_REFUSAL.differentCase:
    case NOTICE_REFUSAL.targetHasReply:
    case NOTICE_REFUSAL.dueDateRequired:
    case NOTICE_REFUSAL.notApproved:
    case NOTICE_REFUSAL.adjournmentLimit:
    case NOTICE_REFUSAL.closed:
    case NOTICE_REFUSAL.wrongState:
      return unprocessable(failure.type, failure.message, { state }).withAudit({ ...audit, action: `notice.${kind}_refused` });
    default:
      return new ApiError(500, 'internal_error', `The notice workflow refused the step: ${failure.message}`);
  }
}

/** Sends one step to the notice's workflow and waits until the activity has committed it. */
export async function sendStep(temporal: TemporalHandle, row: NoticeRow, kind: StepKind, args: StepArgs): Promise<StepResult> {
  const handle = temporal.client.workflow.getHandle(row.workflow_id);
  try {
    return await waitWithinDeadline(temporal, () => handle.executeUpdate(stepUpdate, { args: [kind, args] }));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) throw refusalError(kind, error.cause, row);
    // A rule the activity checked again under the rows' locks (a re-linked reply) and refused for good.
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ActivityFailure && error.cause.cause instanceof ApplicationFailure && error.cause.cause.nonRetryable) {
      throw refusalError(kind, error.cause.cause, row);
    }
    if (error instanceof WorkflowNotFoundError) throw unprocessable('notice_closed', 'This notice is closed.');
    throw error;
  }
}

/** Tells a notice's workflow its dates moved with the firm's calendar; a closed notice's has ended. */
export async function signalCalendarChanged(temporal: TemporalHandle, workflowId: string): Promise<void> {
  try {
    await temporal.client.workflow.getHandle(workflowId).signal(calendarChangedSignal);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
