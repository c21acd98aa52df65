/**
 * Whether suppliers are in a reconciliation: the one check behind every route that names a supplier
 * of a run (its export for one supplier, its follow-ups), so they refuse a stranger alike with 422
 * `supplier_not_in_reconciliation` (docs/api.md). A supplier is in the run when any result row
 * carries its GSTIN, whatever the row's category.
 */
import type { Knex } from 'knex';
import { unprocessable } from '../errors';

/** The named GSTINs no result row of the run carries, in the order named. */
export async function suppliersNotInRun(trx: Knex | Knex.Transaction, runId: string, gstins: readonly string[]): Promise<string[]> {
  if (gstins.length === 0) return [];
  const present: Array<{ supplier_gstin: string }> = await trx('reconciliation_results').distinct('supplier_gstin').where({ run_id: runId }).whereIn('supplier_gstin', [...gstins]);
  return gstins.filter((g) => !present.some((p) => p.supplier_gstin === g));
}

export async function assertSuppliersInRun(trx: Knex | Knex.Transaction, runId: string, gstins: readonly string[]): Promise<void> {
  const unknown = await suppliersNotInRun(trx, runId, gstins);
  if (unknown.length > 0) throw unprocessable('supplier_not_in_reconciliation', `Not a supplier in this reconciliation: ${unknown.join(', ')}.`, { supplierGstins: unknown });
}
