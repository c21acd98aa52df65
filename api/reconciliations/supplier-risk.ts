/**
 * The run page's supplier figures (GET /api/reconciliations/:runId/suppliers, docs/api.md) less
 * what a reviewer's marks set aside: the rule and the figures are db/reconciliation-set-aside.ts's,
 * shared with the run, the runs lists, the firm-wide view and the exports.
 */
import type { SupplierSummary } from '../../domain/recon';
import { CHASED_CATEGORIES } from '../../domain/follow-ups';
import type { SetAside } from '../../db/reconciliation-set-aside';

export { reviewerSetAside, riskLess, riskLessBySupplier, setAsideByReviewer, type SetAside } from '../../db/reconciliation-set-aside';

/**
 * How many of a supplier's documents a client chase (POST /api/reconciliations/:runId/follow-ups)
 * would list: its rows of the chased categories, less those a reviewer's mark leaves out. Each of
 * those categories' rows has the supplier's side (missing in the books, or reported differently),
 * so the line's portal counts are its rows.
 */
export function chaseableCount(line: Pick<SupplierSummary, 'supplierGstin' | 'portalCounts'>, aside: SetAside): number {
  const rows = CHASED_CATEGORIES.reduce((n, c) => n + (line.portalCounts[c] ?? 0), 0);
  return rows - (aside.unchased.get(line.supplierGstin) ?? 0);
}
