/** A reconciliation run as the API shows it; rows, suppliers and summaries are presented by domain/recon/present.ts. */
import type { ReconciliationRun } from '../../db/models/reconciliation-run';
import { summaryLessSetAside, type SetAside } from '../../db/reconciliation-set-aside';
import { presentSummary, rupees } from '../../domain/recon/present';

type Stored = Parameters<typeof summaryLessSetAside>[0];

/**
 * `aside`: what a reviewer's marks set aside in the run (db/reconciliation-set-aside.ts); given, the
 * summary's ITC at risk (`itcAtRisk` and the `itc.atRisk` heads) and `counts` leave it out, and
 * `itcSetAside`, `itc.setAside` and `countsSetAside` say how much that was (docs/api.md). Every view
 * of a completed run passes it, so the run page, the runs lists, the firm-wide view and the JSON
 * export agree.
 */
export function presentRun(run: ReconciliationRun, progress: { done: number; total: number }, aside?: SetAside) {
  const stored = run.summary as Stored | null;
  const summary = stored && aside ? presentSummary(summaryLessSetAside(stored, aside)) : presentSummary(run.summary);
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
    summary: summary && aside ? { ...summary, itcSetAside: rupees(aside.total), creditNotesNotIn2b: rupees(aside.creditNotes.total), countsSetAside: { ...aside.counts } } : summary,
    failureReason: run.failureReason,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
  };
}
