import type { Knex } from 'knex';

/**
 * The period lock's trigger functions (migration 005, the statement one replaced in 020) lent to
 * no one, as the import rows' are since migration 040.
 *
 * They run as the tables' owner (SECURITY DEFINER), so they see every firm's periods past row-level
 * security, and PostgreSQL lets every role (PUBLIC) execute a new function. A role that may execute
 * a trigger function may put it on a table of its own (a temporary table needs no other right):
 * firm B's application role could insert firm A's firm, client and period ids into such a table
 * and learn from the `period_closed` error, or its absence, whether firm A's period is closed.
 *
 * EXECUTE is checked only when a trigger is created, never when it fires, so revoking it changes
 * nothing for the lock's own triggers (created by the owner, who keeps the right), whoever writes.
 * The security and tenancy tests hold every owner-run function to a list: none executable by PUBLIC,
 * and only the ones the api calls executable by the application role.
 */
export const LOCK_FUNCTIONS = ['period_lock_row()', 'period_lock_statement()'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`REVOKE ALL ON FUNCTION ${LOCK_FUNCTIONS.join(', ')} FROM PUBLIC`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`GRANT EXECUTE ON FUNCTION ${LOCK_FUNCTIONS.join(', ')} TO PUBLIC`);
}
