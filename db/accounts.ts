/**
 * Account links (invitations and password resets, migration 013): a token of 256 random bits that
 * exists only in the email, stored as its SHA-256; and the lookup that finds a link's row before
 * any firm is known (`account_link_lookup`, SECURITY DEFINER); and whether an address already has
 * an account in some firm, which no firm's own scope can see.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { normaliseEmail } from '../domain/email';
import { hashLinkToken } from './follow-ups';

export type AccountLinkKind = 'invitation' | 'reset';

export function newLinkToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export type FoundAccountLink = { id: string; firmId: string; expiresAt: Date; ended: boolean };

/** The row a link's token opens, or undefined; a token that is not even well-formed is not looked up. */
export async function lookupAccountLink(knex: Knex, kind: AccountLinkKind, token: string): Promise<FoundAccountLink | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const result = await knex.raw('select * from account_link_lookup(?, ?)', [kind, hashLinkToken(token)]);
  const row = result.rows[0] as { id: string; firm_id: string; expires_at: Date; ended: boolean } | undefined;
  return row && { id: row.id, firmId: row.firm_id, expiresAt: row.expires_at, ended: row.ended };
}

/**
 * Whether an address has an account in any firm. Sign-in emails are unique across firms, and a
 * firm's scope sees only its own users, so this reads through the sign-in policy (migration 003:
 * the one row whose email is `app.login_email`), in a transaction of its own. The answer must
 * never reach another firm: an invitation to such an address is answered and recorded as any other
 * (docs/accounts.md, "An address with an account elsewhere").
 */
export async function emailHasAccount(knex: Knex, email: string): Promise<boolean> {
  const address = normaliseEmail(email);
  return knex.transaction(async (trx) => {
    await trx.raw(`select set_config('app.login_email', ?, true)`, [address]);
    return Boolean(await trx('users').whereRaw('lower(email) = ?', [address]).first('id'));
  });
}
