/**
 * The self-check workflow's contract: its type name and its id. Pure: the scheduler, ops and the
 * tests share it.
 */

export const SELF_CHECK_WORKFLOW = 'selfCheckWorkflow';

/** One per UTC hour, so two schedulers start it once. */
export function selfCheckWorkflowId(at: Date): string {
  return `self-check-${at.toISOString().slice(0, 13)}`;
}
