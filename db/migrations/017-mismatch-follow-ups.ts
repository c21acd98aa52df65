import type { Knex } from 'knex';

/**
 * Mismatch follow-ups (docs/follow-ups.md, "Mismatch follow-ups"): a follow-up made from a completed
 * reconciliation remembers its run, and each of its items the result row it chases (the supplier,
 * the row's id and its category when the request was made). The client's email attaches each named
 * supplier's statement, built by the sending activity from these columns and the run's stored
 * results, so nothing of it travels through Temporal.
 *
 * The run is referenced with the firm in the key, like every other cross-table link: a follow-up can
 * never point at another firm's run. Runs are only ever deleted with their client (the erasure deletes
 * follow-ups first, reading this foreign key).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('follow_ups', (t) => {
    t.uuid('reconciliation_run_id').nullable();
    t.foreign(['firm_id', 'reconciliation_run_id']).references(['firm_id', 'id']).inTable('reconciliation_runs');
  });
  await knex.raw('CREATE INDEX follow_ups_reconciliation_idx ON follow_ups (firm_id, reconciliation_run_id) WHERE reconciliation_run_id IS NOT NULL');
  await knex.schema.alterTable('follow_up_items', (t) => {
    t.text('supplier_gstin').nullable();
    /** The engine's deterministic row id (ResultRow.id) within the follow-up's run. */
    t.text('result_id').nullable();
    t.text('category').nullable().checkIn(['missing_in_books', 'mismatch']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('follow_up_items', (t) => {
    t.dropColumn('category');
    t.dropColumn('result_id');
    t.dropColumn('supplier_gstin');
  });
  await knex.raw('DROP INDEX IF EXISTS follow_ups_reconciliation_idx');
  await knex.schema.alterTable('follow_ups', (t) => {
    t.dropForeign(['firm_id', 'reconciliation_run_id']);
    t.dropColumn('reconciliation_run_id');
  });
}
