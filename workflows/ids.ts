/**
 * Workflow ids derived from business keys, so the same request twice finds the same workflow.
 * Pure functions: the api, the scheduler and the workflows themselves share them.
 */
export function selfCheckWorkflowId(at: Date): string {
  return `self-check-${at.toISOString().slice(0, 13)}`; // one per UTC hour
}
