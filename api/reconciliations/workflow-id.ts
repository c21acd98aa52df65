/**
 * The reconciliation workflow id: firm, client and period in clear (so ops find a run by name in
 * the Temporal UI), and a hash of the two imports and the engine options, so the same request twice
 * names the same workflow and a different tolerance names another.
 */
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

export type RunKey = {
  firmId: string;
  clientId: string;
  period: string;
  registerImportId: string;
  gstr2bImportId: string;
  options: { amountTolerance: number; dateWindowDays: number };
};

export function reconciliationWorkflowId(key: RunKey): string {
  // Fixed key order: the hash must not depend on how the options object was built.
  const canonical = JSON.stringify([key.registerImportId, key.gstr2bImportId, key.options.amountTolerance, key.options.dateWindowDays]);
  const digest = createHash('sha256').update(canonical).digest('hex').slice(0, 20);
  return `recon-${key.firmId}-${key.clientId}-${key.period}-${digest}`;
}

// Fixed for ever: changing it would give a retried request a different run id than its waiting workflow's.
const RECONCILIATION_RUN_NAMESPACE = '24b940c1-f101-485d-8682-1eb11312ed7b';

/**
 * The run's id, derived from its workflow id. The api starts the workflow inside the transaction
 * that inserts the run; if that transaction then fails, the workflow keeps waiting for its run
 * (activities/commit-grace.ts) and a retried request gets WorkflowExecutionAlreadyStarted: the
 * retry's insert must write the very id that workflow is looking for.
 */
export function reconciliationRunId(workflowId: string): string {
  return uuidv5(workflowId, RECONCILIATION_RUN_NAMESPACE);
}
