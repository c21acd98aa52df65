import type { Knex } from 'knex';

/**
 * Every view of a run (its page, the runs lists, the firm-wide view, the exports) leaves out the
 * documents a reviewer ignored (docs/reconciliation.md, "Ignored documents"), summed per run and
 * supplier from the run's ignored rows when the view asks. The index holds only those rows, a few
 * of a run's, so the sum never reads a lakh-row run's other rows. Its predicate is the query's own
 * (db/reconciliation-set-aside.ts, IGNORED_ROWS_SQL), literal for the planner.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX reconciliation_results_ignored_idx ON reconciliation_results (run_id, supplier_gstin) WHERE (row->>'userStatus') = 'ignored'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS reconciliation_results_ignored_idx');
}
