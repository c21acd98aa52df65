import type { Knex } from 'knex';
import { keepKeyByTriggers, type KeptKey, restoreKey } from './helpers/key-by-triggers';

/**
 * The import rows' tie to their import, checked once a statement instead of once a row.
 *
 * The foreign key import_rows (firm_id, import_id) → imports (firm_id, id) made PostgreSQL run one
 * lookup of the import, with its FOR KEY SHARE lock, for every row an upload COPYs in: 0.4–0.9 s of
 * the backend's CPU a lakh (docs/performance.md, "The import rows' foreign key as one check a
 * statement"). Triggers keep everything the key did (./helpers/key-by-triggers.ts, which says what
 * and how, and which the result rows' tie to their run shares since migration 043): a written row
 * names an import of its firm (checked once a statement, the import locked as the key locked it),
 * deleting an import deletes its rows, an import's key never changes under its rows, and the imports
 * are never truncated without them; the functions run as the owner, lent to no one, each refusing
 * any table but its own.
 *
 * The erasure and firm deletion order their deletes by the keys between tables: this tie is listed
 * with them (client-data-catalogue.ts, KEYS_KEPT_BY_TRIGGERS), so the order is unchanged.
 */
export const IMPORT_KEY = 'import_rows_firm_id_import_id_foreign';

export const IMPORT_ROWS_KEY: KeptKey = {
  constraint: IMPORT_KEY,
  child: 'import_rows',
  column: 'import_id',
  parent: 'imports',
  check: 'import_rows_import_check',
  cascade: 'imports_rows_cascade',
};

export async function up(knex: Knex): Promise<void> {
  await keepKeyByTriggers(knex, IMPORT_ROWS_KEY);
}

export async function down(knex: Knex): Promise<void> {
  await restoreKey(knex, IMPORT_ROWS_KEY);
}
