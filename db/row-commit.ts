/**
 * The api starts some workflows inside the transaction that writes their row (so a start Temporal
 * refuses commits nothing), and their first step may run before that commit. The writing
 * transaction holds an advisory lock keyed by the row's id from before the start until it ends; the
 * first step waits on the same lock, so when it looks the writer has committed (the row is there)
 * or ended without it (rolled back). No guess at how long a commit may take.
 */
import type { Knex } from 'knex';
import { LOCK_ID_SQL, lockKey } from './advisory-lock';

/** The one key both sides lock: advisory locks are database-wide, whatever role or connection. */
const keyOf = (rowId: string): string => `taalmel.row-commit:${rowId}`;

/** The writer: held until its transaction ends. Call it before starting the row's workflow. */
export async function lockRowCommit(trx: Knex.Transaction, rowId: string): Promise<void> {
  await lockKey(trx, keyOf(rowId));
}

/** Raised when the writer still holds the lock after `timeoutMs`: its transaction is still open. */
export class RowCommitPending extends Error {}

/**
 * The first step: returns once no transaction writing `rowId` is open (taking and releasing the
 * lock in a transaction of its own). Bounded by `timeoutMs` (lock_timeout) so a stuck writer cannot
 * hang a worker; then it throws RowCommitPending and the step retries.
 */
export async function awaitRowCommit(knex: Knex, rowId: string, timeoutMs: number): Promise<void> {
  try {
    await knex.transaction(async (trx) => {
      await trx.raw(`select set_config('lock_timeout', ?, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
      await lockKey(trx, keyOf(rowId));
    });
  } catch (error) {
    // 55P03 lock_not_available: lock_timeout ran out while the writer's transaction stayed open.
    if ((error as { code?: unknown }).code === '55P03') throw new RowCommitPending(`the transaction writing ${rowId} is still open after ${timeoutMs} ms`);
    throw error;
  }
}

/** Tests: whether a session is waiting for the writer of `rowId` (so a first step is blocked on it). */
export async function rowCommitWaiters(knex: Knex, rowId: string): Promise<number> {
  const { rows } = await knex.raw(
    `with k as (select ${LOCK_ID_SQL.extended} as key)
     select count(*)::int as n from pg_locks l, k
      where l.locktype = 'advisory' and not l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = ((k.key >> 32) & 4294967295) and l.objid::bigint = (k.key & 4294967295)`,
    [keyOf(rowId)],
  );
  return rows[0].n as number;
}
