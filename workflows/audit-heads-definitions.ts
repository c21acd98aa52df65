/**
 * The audit chain heads workflow's contract: its type name and its id. Pure: the scheduler and the
 * tests share it.
 */

export const AUDIT_HEADS_WORKFLOW = 'auditChainHeadsWorkflow';

/** The failure type of a broken chain: the activity raises it, the workflow does not retry it. */
export const AUDIT_CHAIN_BROKEN = 'AuditChainBroken';

/** One per calendar day (`YYYY-MM-DD` in the scheduler's time zone). */
export function auditHeadsWorkflowId(date: string): string {
  return `audit-heads-${date}`;
}
