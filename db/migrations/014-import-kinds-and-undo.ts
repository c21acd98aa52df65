import type { Knex } from 'knex';

/**
 * Imports (docs/reconciliation.md, "Imports"): GSTR-2A becomes a kind of import, and an upload can
 * be undone — `discarded` (no run used it: its rows are deleted) or `superseded` (a run used it:
 * its rows stay for that run, but it is no longer the period's latest import). Who undid it and
 * when are kept on the row; the audit trigger of migration 004 records the change.
 */
async function replaceCheck(knex: Knex, column: string, values: readonly string[]): Promise<void> {
  // The checks of migration 004 were named by knex; find them by the column they test.
  const { rows } = await knex.raw<{ rows: Array<{ conname: string }> }>(
    `select conname from pg_constraint
      where conrelid = 'imports'::regclass and contype = 'c' and pg_get_constraintdef(oid) like ?`,
    [`%(${column} = ANY%`],
  );
  for (const { conname } of rows) await knex.raw('alter table imports drop constraint ??', [conname]);
  // DDL takes no bind parameters: the values are this file's constants (plain identifiers).
  await knex.raw(`alter table imports add constraint ?? check (${column} in (${values.map((v) => `'${v.replace(/[^a-z0-9_]/g, '')}'`).join(', ')}))`, [`imports_${column}_check`]);
}

export async function up(knex: Knex): Promise<void> {
  await replaceCheck(knex, 'kind', ['gstr2b', 'gstr2a', 'purchase_register']);
  await replaceCheck(knex, 'status', ['awaiting_upload', 'validated', 'rejected', 'expired', 'discarded', 'superseded']);
  await knex.schema.alterTable('imports', (t) => {
    t.timestamp('discarded_at', { useTz: true }).nullable();
    t.uuid('discarded_by').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('imports', (t) => {
    t.dropColumn('discarded_at');
    t.dropColumn('discarded_by');
  });
  await replaceCheck(knex, 'status', ['awaiting_upload', 'validated', 'rejected', 'expired']);
  await replaceCheck(knex, 'kind', ['gstr2b', 'purchase_register']);
}
