/**
 * Account links (invitations and password resets, migration 013): a token of 256 random bits that
 * exists only in the email, stored as its SHA-256; and the lookup that finds a link's row before
 * any firm is known (`account_link_lookup`, SECURITY DEFINER).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
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
