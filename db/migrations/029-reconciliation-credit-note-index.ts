import type { Knex } from 'knex';

/**
 * Every view of a run (its page, the runs list, the firm-wide view, the exports) shows a credit
 * note missing in 2B apart from the ITC at risk (docs/reconciliation.md, "Credit notes not in 2B"),
 * summed per run and supplier from the run's credit-note rows when the view asks. The index holds
 * only those rows, a small share of a register, so the sum never reads a lakh-row run's invoices.
 * Its predicate is the query's own (db/reconciliation-set-aside.ts), literal for the planner.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE INDEX reconciliation_results_credit_note_idx ON reconciliation_results (run_id, supplier_gstin) WHERE (row->'books'->>'docType') IN ('credit_note', 'isd_credit_note')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS reconciliation_results_credit_note_idx');
}
