import type { Knex } from 'knex';

/**
 * GST notices keep why they were closed and the note of a reply made outside Taalmel in columns of
 * their own (docs/notices.md): both used to be written over the notice's description, losing what
 * the notice was about. Notices closed before this keep what was written then.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.text('close_reason').nullable();
    t.text('filing_note').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumn('filing_note');
    t.dropColumn('close_reason');
  });
}
