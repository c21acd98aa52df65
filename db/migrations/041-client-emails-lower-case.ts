import type { Knex } from 'knex';

/**
 * Client emails in lower case, the one rule every write now follows (domain/email.ts). A client's
 * address used to keep its capitals when changed by `PATCH /api/clients/:id` or in the console,
 * while creation lower-cased it; those rows are brought to the rule here. Clients' emails are not
 * unique (two clients may share an accountant's mailbox), so no two rows can collide.
 *
 * Clients are firm-scoped with row-level security forced on the owner too, and each change is
 * audited in its firm's trail (the trigger writes as the firm in scope), so the update runs firm by
 * firm, named `client.email_normalised` and made by `system:migration`. PostgreSQL's lower() agrees
 * with the API's for the ASCII addresses the API admits.
 */
export async function up(knex: Knex): Promise<void> {
  // The firms' list is the one thing the system context may read of them (migration 003).
  await knex.raw(`select set_config('app.system', 'on', true)`);
  const firmIds = (await knex('firms').pluck('id')) as string[];
  await knex.raw(
    `select set_config('app.system', '', true), set_config('app.user_email', 'system:migration', true), set_config('app.role', 'system', true),
            set_config('app.audit_action', 'client.email_normalised', true)`,
  );
  for (const firmId of firmIds) {
    await knex.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
    // The firm named as well as set: an owner that row-level security does not bind (a superuser)
    // would otherwise change every firm's clients while the first firm is in scope.
    await knex.raw('UPDATE clients SET email = lower(email) WHERE firm_id = ? AND email <> lower(email)', [firmId]);
  }
  await knex.raw(`select set_config('app.firm_id', '', true), set_config('app.audit_action', '', true), set_config('app.user_email', '', true), set_config('app.role', '', true)`);
}

/** Nothing to undo: the capitals are gone, and a lower-case address reaches the same mailbox. */
export async function down(): Promise<void> {}
