/**
 * The reconciliation workflow id: firm, client and period in clear (so ops find a run by name in
 * the Temporal UI), and a hash of the two imports and the engine options, so the same request twice
 * names the same workflow and a different tolerance names another.
 */
import { createHash } from 'node:crypto';

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
