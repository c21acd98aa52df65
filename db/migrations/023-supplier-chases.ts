import type { Knex } from 'knex';

/**
 * Supplier chases (docs/follow-ups.md, "Supplier chases"): a follow-up made from a reconciliation
 * whose letters go to one supplier, on behalf of the client, instead of to the client. The request
 * remembers its recipient and the supplier's address; its items may now also be documents that are
 * in the books but not in GSTR-2B (the supplier has not reported them); and its outbox rows are
 * told apart from the client's by their audience, so the client's one-message-a-day rule and merge
 * never count or swallow a letter to a supplier.
 */

/** Drops the CHECK constraints of a column (knex names them itself), so a wider one can replace them. */
async function dropChecks(knex: Knex, table: string, column: string): Promise<void> {
  const found = await knex.raw(
    `select c.conname from pg_constraint c join pg_class t on t.oid = c.conrelid
      where t.relname = ? and c.contype = 'c' and pg_get_constraintdef(c.oid) like ?`,
    [table, `%${column}%`],
  );
  for (const { conname } of found.rows as Array<{ conname: string }>) await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [table, conname]);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('follow_ups', (t) => {
    t.text('recipient').notNullable().defaultTo('client');
    t.text('supplier_email').nullable();
  });
  await knex.raw(
    `ALTER TABLE follow_ups ADD CONSTRAINT follow_ups_recipient_check CHECK (
       (recipient = 'client' AND supplier_email IS NULL) OR
       (recipient = 'supplier' AND supplier_email IS NOT NULL AND reconciliation_run_id IS NOT NULL))`,
  );
  await dropChecks(knex, 'follow_up_items', 'category');
  await knex.raw(`ALTER TABLE follow_up_items ADD CONSTRAINT follow_up_items_category_check CHECK (category IN ('missing_in_books', 'mismatch', 'missing_in_2b'))`);
  await dropChecks(knex, 'outbox', 'audience');
  await knex.raw(`ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check CHECK (audience IN ('client', 'staff', 'account', 'supplier'))`);
  // The stopping hook looks up a client's live supplier chases on every GSTR-2B import.
  await knex.raw(`CREATE INDEX follow_ups_supplier_chase_idx ON follow_ups (firm_id, client_id) WHERE recipient = 'supplier'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS follow_ups_supplier_chase_idx');
  await knex('outbox').where({ audience: 'supplier' }).delete();
  await dropChecks(knex, 'outbox', 'audience');
  await knex.raw(`ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check CHECK (audience IN ('client', 'staff', 'account'))`);
  await dropChecks(knex, 'follow_up_items', 'category');
  await knex.raw(`ALTER TABLE follow_up_items ADD CONSTRAINT follow_up_items_category_check CHECK (category IN ('missing_in_books', 'mismatch'))`);
  await knex.raw('ALTER TABLE follow_ups DROP CONSTRAINT follow_ups_recipient_check');
  await knex.schema.alterTable('follow_ups', (t) => {
    t.dropColumn('supplier_email');
    t.dropColumn('recipient');
  });
}
