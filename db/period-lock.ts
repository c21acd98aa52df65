/**
 * Advisory locks for the steps that must not interleave with ending what they belong to.
 *
 * Period: creating a follow-up checks that its period is not closed, then writes the request; an
 * approval closes the period and cancels the period's live follow-ups. Without a common lock an
 * approval could commit between that check and that write, leaving a live request in a closed
 * period that no close ever cancels. The period row cannot serve: a follow-up may concern a period
 * that has no row yet.
 *
 * Return filed: creating a follow-up keyed to a deadline checks that the return is not filed;
 * recording the filing ends the follow-ups keyed to it. Notice: creating a follow-up for a notice
 * checks that it is open; closing the notice cancels its follow-ups. Same race, same cure.
 *
 * Each side takes the transaction-level advisory lock (database-wide, whatever the role) before it
 * reads the other side's state, and holds it to commit, so one runs entirely after the other: the
 * create then sees the period closed, the return filed or the notice closed (422), or the other
 * side sees the new follow-up and ends it.
 *
 * Lock order, so two of these never wait on each other: notice, then filing, then period. Only the
 * create takes more than one; the closing sides take one each.
 */
import type { Knex } from 'knex';
import { lockKey } from './advisory-lock';

export async function lockPeriodKey(trx: Knex.Transaction, clientId: string, period: string): Promise<void> {
  await lockKey(trx, `taalmel.period:${clientId}:${period}`);
}

/** One return of a client for one period: its filing and the follow-ups keyed to it. */
export async function lockFilingKey(trx: Knex.Transaction, clientId: string, returnType: string, period: string): Promise<void> {
  await lockKey(trx, `taalmel.filing:${clientId}:${returnType}:${period}`);
}

/** One notice: closing it and the follow-ups asking for its documents. */
export async function lockNoticeKey(trx: Knex.Transaction, noticeId: string): Promise<void> {
  await lockKey(trx, `taalmel.notice:${noticeId}`);
}
