import type { Knex } from 'knex';

/**
 * When a follow-up was given to its present owner (docs/follow-ups.md, "Daily digest"): the digest's
 * "Newly assigned to you" lists what reached a person since their previous digest, a follow-up handed
 * over to them as well as a new one. Rows from before this column have none (null: their creation
 * counts), so the first digest after the migration does not list every old follow-up as new; rows
 * created from now on get the instant they were created, and a change of owner sets it again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE follow_ups ADD COLUMN assigned_at timestamptz');
  await knex.raw('ALTER TABLE follow_ups ALTER COLUMN assigned_at SET DEFAULT now()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE follow_ups DROP COLUMN assigned_at');
}
