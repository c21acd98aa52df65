/**
 * The firm deletion workflow's contract: its id (one open deletion per firm, so a double request
 * finds the same workflow), input, signals, status query and result. Pure: the workflow, the api,
 * the ops command, the activities and the tests share it.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const FIRM_DELETION_WORKFLOW = 'firmDeletionWorkflow';

export function firmDeletionWorkflowId(firmId: string, deletionId: string): string {
  return `firm-deletion:${firmId}:${deletionId}`;
}

export type FirmDeletionInput = {
  firmId: string;
  deletionId: string;
  /** The end of the cooling-off period (domain/firm-deletion.ts firmDeletionPlan); the only timer waits for it. */
  executeAfter: string;
  /** Grace for each client's running workflows to end after cancellation (the client erasure's). */
  cancelGraceSeconds?: number;
};

export type FirmDeletionStep = 'cooling_off' | 'erasing_clients' | 'deleting_firm' | 'certifying' | 'sending_certificate' | 'completed' | 'cancelled' | 'failed';

export type FirmDeletionStatus = {
  deletionId: string;
  step: FirmDeletionStep;
  executeAfter: string;
  clients: { total: number; erased: number };
  failure: string | null;
};

export const firmDeletionStatusQuery = defineQuery<FirmDeletionStatus>('status');
/** A firm admin cancelled during the cooling-off period (the row says so already; this wakes the timer). */
export const firmDeletionCancelSignal = defineSignal('cancel');
/** A platform operator starts a scheduled deletion now, on the firm's written instruction. */
export const firmDeletionRunNowSignal = defineSignal('runNow');

/**
 * What the begin step found: the request was cancelled, or the clients to erase, each with its erasure
 * record and that record's run token (null: a record from before deletions gave their erasures one),
 * which the child's run carries in its memo.
 */
export type FirmDeletionBegun = { state: 'cancelled' } | { state: 'running'; clients: Array<{ clientId: string; erasureId: string; runToken?: string | null }> };
