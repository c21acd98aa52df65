/**
 * The api's calls into follow-up workflows: start one per follow-up, send the human steps as
 * updates (whose answers carry the recomputed plan), and tell it what the client answered. A
 * refusal by a validator becomes a 422 with the rule's code; a workflow that has ended is 422
 * follow_up_ended.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import {
  FOLLOW_UP_REFUSAL,
  FOLLOW_UP_WORKFLOW,
  itemsAnsweredSignal,
  workingDaysChangedSignal,
  type FollowUpInput,
  type ItemsAnswered,
} from '../../workflows/follow-up-definitions';
import type { WorkingDays } from '../../domain/follow-ups';
import { ApiError, unprocessable } from '../errors';
import { waitWithinDeadline } from '../middleware/deadline';
import type { TemporalHandle } from '../temporal-client';

export async function startFollowUpWorkflow(temporal: TemporalHandle, workflowId: string, input: FollowUpInput): Promise<void> {
  await temporal.client.workflow.start(FOLLOW_UP_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId, args: [input] });
}

const ended = () => unprocessable(FOLLOW_UP_REFUSAL.ended, 'This follow-up has ended.');

export async function updateFollowUp<R, A>(temporal: TemporalHandle, workflowId: string, update: UpdateDefinition<R, [A]>, arg: A): Promise<R> {
  try {
    return await waitWithinDeadline(temporal, () => temporal.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg] }));
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      if (error.cause.type === FOLLOW_UP_REFUSAL.ended) throw ended();
      // A refusal's details (quiet hours: when the next message may go) reach the answer as given.
      const details = error.cause.details?.[0];
      throw new ApiError(422, error.cause.type ?? 'refused', error.cause.message, details && typeof details === 'object' ? (details as Record<string, unknown>) : undefined);
    }
    if (error instanceof WorkflowNotFoundError) throw ended();
    throw error;
  }
}

/** Tells the workflow what the client answered; a workflow that already ended has nothing to learn. */
export async function signalAnswered(temporal: TemporalHandle, workflowId: string, answered: ItemsAnswered): Promise<void> {
  try {
    await temporal.client.workflow.getHandle(workflowId).signal(itemsAnsweredSignal, answered);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** Tells a live follow-up the firm's working days changed; one that already ended has nothing to replan. */
export async function signalWorkingDays(temporal: TemporalHandle, workflowId: string, workingDays: WorkingDays): Promise<void> {
  try {
    await temporal.client.workflow.getHandle(workflowId).signal(workingDaysChangedSignal, { workingDays });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
