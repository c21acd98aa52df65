/** A reconciliation run as the API shows it; rows, suppliers and summaries are presented by domain/recon/present.ts. */
import type { ReconciliationRun } from '../../db/models/reconciliation-run';
import { presentSummary, rupees } from '../../domain/recon/present';

export function presentRun(run: ReconciliationRun, progress: { done: number; total: number }) {
  return {
    runId: run.id,
    workflowId: run.workflowId,
    clientId: run.clientId,
    period: run.period,
    registerImportId: run.registerImportId,
    gstr2bImportId: run.gstr2bImportId,
    options: { amountTolerance: rupees(run.options.amountTolerance), dateWindowDays: run.options.dateWindowDays },
    status: run.status,
    progress,
    summary: presentSummary(run.summary),
    failureReason: run.failureReason,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
  };
}
