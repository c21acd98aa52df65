import type { Knex } from 'knex';

/**
 * A notified extension can name the filing frequency it is for (docs/calendar.md, "Extensions"):
 * monthly and QRMP filers share a GSTR-3B period key (`2024-12` is December for one, the
 * October–December quarter for the other) and a notification often gives them different dates.
 * Null, as every extension recorded before this has, means filers of either frequency.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calendar_extensions', (t) => {
    t.text('filing_frequency').nullable().checkIn(['monthly', 'quarterly'], 'calendar_extensions_filing_frequency');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calendar_extensions', (t) => {
    t.dropChecks('calendar_extensions_filing_frequency');
    t.dropColumn('filing_frequency');
  });
}
