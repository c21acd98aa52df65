/**
 * Transaction-level advisory locks keyed by text: the one way code takes them (migrations keep
 * their own SQL). The key is hashed by PostgreSQL, so every process and version that locks the same
 * text waits on the same lock id; changing the hashing of a key would let an old and a new version
 * run the guarded step side by side, so each key keeps the hashing it has always had.
 */
import type { Knex } from 'knex';

/**
 * `extended` (the default): hashtextextended(key, 0), a 64-bit id. `text32`: hashtext(key), the
 * 32-bit id a few older keys were first taken with; kept for them alone so their lock ids stay the
 * same (new keys use the default).
 */
export type LockHashing = 'extended' | 'text32';

/** The SQL expression of a key's lock id (one `?` for the key): for queries that look the lock up in pg_locks. */
export const LOCK_ID_SQL: Record<LockHashing, string> = {
  extended: 'hashtextextended(?, 0)',
  text32: 'hashtext(?)',
};

const SQL: Record<LockHashing, string> = {
  extended: `select pg_advisory_xact_lock(${LOCK_ID_SQL.extended})`,
  text32: `select pg_advisory_xact_lock(${LOCK_ID_SQL.text32})`,
};

/** Waits for the lock named `key` and holds it until `trx` commits or rolls back. */
export async function lockKey(trx: Knex.Transaction, key: string, hashing: LockHashing = 'extended'): Promise<void> {
  await trx.raw(SQL[hashing], [key]);
}
