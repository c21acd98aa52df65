import type { Knex } from 'knex';

/**
 * Stored email addresses brought to the one rule every write now follows (domain/email.ts: trimmed
 * and in lower case), as migration 041 did for clients' addresses:
 *
 * - `users.email`: sign-in, the reset request and "has this address an account" compare lower-cased
 *   addresses, but an address stored with capitals before every write lower-cased it was shown, sent
 *   to and handed to the lockout counters with them.
 * - `account_invitations.email`: the address an invitation was sent to and an accepted one becomes
 *   the user's; every row, pending or not, so the invitations list reads as the users list does.
 * - `follow_ups.supplier_email`: a supplier chase's address, taken as typed until the mismatch
 *   route used the rule; the daily cap finds "this supplier's letter today" by it.
 *
 * No change can collide with another row: users' addresses are unique on lower(email) across all
 * firms (migration 001, `users_email_unique`), and pending invitations on (firm_id, lower(email))
 * (migration 013), so two rows that lower-case alike could never have been stored side by side;
 * answered or revoked invitations and supplier chases carry no uniqueness. Only lower() is applied,
 * as those indexes do: every write path checked the address as an email, which has no spaces.
 *
 * Left as they are, on purpose: the outbox's `recipient` (the address a message went out to, a
 * record; the supplier cap's lookup compares it lower-cased), the actor emails copied into audit
 * events (the hash chain covers them), close requests and reconciliation decisions (who acted, as
 * they were then), and platform operators (not firm users; made by an ops command and found by
 * token, their one lookup by address already lower-cased).
 *
 * These tables are firm-scoped with row-level security forced on the owner too, and each change is
 * audited in its firm's trail, so the updates run firm by firm, each named (`user.email_normalised`,
 * `invitation.email_normalised`, `follow_up.supplier_email_normalised`) and made by
 * `system:migration`. PostgreSQL's lower() agrees with the API's for the ASCII addresses it admits.
 */
const CHANGES = [
  { table: 'users', column: 'email', action: 'user.email_normalised' },
  { table: 'account_invitations', column: 'email', action: 'invitation.email_normalised' },
  { table: 'follow_ups', column: 'supplier_email', action: 'follow_up.supplier_email_normalised' },
] as const;

export async function up(knex: Knex): Promise<void> {
  // The firms' list is the one thing the system context may read of them (migration 003).
  await knex.raw(`select set_config('app.system', 'on', true)`);
  const firmIds = (await knex('firms').pluck('id')) as string[];
  await knex.raw(`select set_config('app.system', '', true), set_config('app.user_email', 'system:migration', true), set_config('app.role', 'system', true)`);
  for (const firmId of firmIds) {
    await knex.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
    for (const { table, column, action } of CHANGES) {
      await knex.raw(`select set_config('app.audit_action', ?, true)`, [action]);
      // The firm named as well as set: an owner that row-level security does not bind (a superuser)
      // would otherwise change every firm's rows while the first firm is in scope.
      await knex.raw(`UPDATE ?? SET ?? = lower(??) WHERE firm_id = ? AND ?? <> lower(??)`, [table, column, column, firmId, column, column]);
    }
  }
  await knex.raw(`select set_config('app.firm_id', '', true), set_config('app.audit_action', '', true), set_config('app.user_email', '', true), set_config('app.role', '', true)`);
}

/** Nothing to undo: the capitals are gone, and a lower-case address reaches the same mailbox. */
export async function down(): Promise<void> {}
