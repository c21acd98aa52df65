import type { Knex } from 'knex';

/**
 * `client_erasures.run_token`: which decision of the erasure its current run carries. Every request
 * that starts the erasure's work (a new erasure, a failed one reopened, a `running` one whose run
 * ended) records a new token with its decision, audited in the same transaction, and starts the
 * workflow with that token in its memo. A later request or status read compares the run Temporal
 * describes with the record: the same token and the run closed means the work ended without recording
 * its outcome (a restart, audited once); another token, or no run, means the recorded decision's start
 * never happened (a start that failed after the commit): it is started, and that is no new request.
 * Null for erasures recorded before this column and for a firm deletion's erasures (their runs carry
 * no memo either, so null matches null).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('client_erasures', (t) => {
    t.uuid('run_token').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('client_erasures', (t) => {
    t.dropColumn('run_token');
  });
}
