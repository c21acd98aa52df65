import type { Knex } from 'knex';
import { keepKeyByTriggers, type KeptKey, restoreKey } from './helpers/key-by-triggers';

/**
 * The result rows' tie to their run, checked once a statement instead of once a row, as the import
 * rows' tie to their import is since migration 040.
 *
 * The foreign key reconciliation_results (firm_id, run_id) → reconciliation_runs (firm_id, id) ON
 * DELETE CASCADE made PostgreSQL look up and lock the run (FOR KEY SHARE) for every result row a run
 * writes: a lakh lookups of the same run row for a 1-lakh run (docs/performance.md, "The result rows'
 * foreign key as one check a statement"). Triggers keep everything the key did
 * (./helpers/key-by-triggers.ts): a written row names a run of its firm (checked once a statement,
 * the run locked FOR KEY SHARE as the key locked it, which the run's own FOR NO KEY UPDATE does not
 * block, so a run's second part still writes beside it: activities/reconciliation-parts.ts),
 * deleting a run deletes its result rows, a run's key never changes under them, and the runs are
 * never truncated without them; the functions run as the owner, lent to no one, each refusing any
 * table but its own. The refusals carry the key's code (23503) and name.
 *
 * Only this key is replaced: the result rows have no other foreign key, and the supplier rows' key to
 * the run costs a lookup per supplier, not per document.
 *
 * The erasure and firm deletion order their deletes by the keys between tables: this tie is listed
 * with them (client-data-catalogue.ts, KEYS_KEPT_BY_TRIGGERS), so the order is unchanged.
 */
export const RUN_KEY = 'reconciliation_results_firm_id_run_id_foreign';

export const RESULT_ROWS_KEY: KeptKey = {
  constraint: RUN_KEY,
  child: 'reconciliation_results',
  column: 'run_id',
  parent: 'reconciliation_runs',
  // `_key_check_ins` sorts before the period lock's `_period_lock_ins`: the key's refusal comes first, as it did.
  check: 'reconciliation_results_key_check',
  cascade: 'reconciliation_runs_results_cascade',
};

export async function up(knex: Knex): Promise<void> {
  await keepKeyByTriggers(knex, RESULT_ROWS_KEY);
}

export async function down(knex: Knex): Promise<void> {
  await restoreKey(knex, RESULT_ROWS_KEY);
}
