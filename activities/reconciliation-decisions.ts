/**
 * A run re-applies the manual decisions (docs/reconciliation.md, "Manual decisions") its client and period collected on earlier runs,
 * oldest first, before its rows are stored. Without decisions the engine's output is stored as is;
 * with them the summaries are recomputed from the final rows, and decisions whose documents
 * changed are reported as one warning.
 */
import type { Knex } from 'knex';
import { matchOptions, reconcileResultOf, summariseRun, summariseSuppliers, type MatchOptions, type ReconcileResult } from '../domain/recon';
import { applyDecisions, type StoredDecision } from '../domain/recon/manual';

type DecisionRow = {
  id: string;
  action: StoredDecision['action'];
  note: string | null;
  created_by_email: string;
  created_at: Date;
  books_key: string | null;
  portal_key: string | null;
};

export async function reapplyDecisions(
  trx: Knex.Transaction,
  run: { client_id: string; period: string; options: Partial<MatchOptions> },
  outcome: ReconcileResult,
): Promise<ReconcileResult> {
  const rows: DecisionRow[] = await trx('reconciliation_decisions')
    .select('id', 'action', 'note', 'created_by_email', 'created_at', 'books_key', 'portal_key')
    .where({ client_id: run.client_id, period: run.period })
    .whereNull('revoked_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
  if (rows.length === 0) return outcome;
  const decisions: StoredDecision[] = rows.map((r) => ({
    id: r.id, action: r.action, note: r.note, by: r.created_by_email, at: new Date(r.created_at).toISOString(),
    booksKey: r.books_key, portalKey: r.portal_key,
  }));
  const options = matchOptions(run.options ?? {});
  const { results, stale } = applyDecisions(outcome.results, decisions, options);
  const warnings = stale.length === 0 ? outcome.warnings : [...outcome.warnings, {
    code: 'manual_decision_stale',
    message: `${stale.length} earlier manual decision(s) no longer apply: their documents changed or are gone`,
    count: stale.length,
  }];
  return reconcileResultOf(
    results,
    outcome.rejected,
    summariseRun(results, outcome.rejected, options, warnings),
    summariseSuppliers(results, options.supplierSignals),
    warnings,
  );
}
