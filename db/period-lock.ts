/**
 * One lock per client and period for the steps that must not interleave with closing it. Creating
 * a follow-up checks that its period is not closed, then writes the request; an approval closes the
 * period and cancels the period's live follow-ups. Without a common lock an approval could commit
 * between that check and that write, leaving a live request in a closed period that no close ever
 * cancels. The period row cannot serve: a follow-up may concern a period that has no row yet.
 *
 * Both take this transaction-level advisory lock (database-wide, whatever the role) before they
 * read the period's state and hold it to their commit, so one runs entirely after the other: the
 * create then sees the period closed (422 period_closed), or the approval sees the new follow-up and
 * cancels it.
 */
import type { Knex } from 'knex';

export async function lockPeriodKey(trx: Knex.Transaction, clientId: string, period: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`taalmel.period:${clientId}:${period}`]);
}
